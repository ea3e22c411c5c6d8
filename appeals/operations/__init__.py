"""The operations of appeals: how they reach reviewers and on what clock.

- `routing`: routing rules pick a queue; the eligible reviewer with most room gets the appeal
- `claims`: who holds an appeal (leases), claim next, release, reassign, availability
- `sla`: first-response and decision clocks in business time, the sweep of warnings and breaches

They sit below the case's use cases (`appeals.services`) and above the models; the pure
business-time calculator (`appeals.business_time`) sits below the models.
"""
