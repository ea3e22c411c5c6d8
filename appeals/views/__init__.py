"""Views of appeals, by who uses them: `case` (the freelancer's case page and appeal), `review`
(a reviewer working one appeal), `queues` (queue pages, claim next, the lead dashboard)."""
