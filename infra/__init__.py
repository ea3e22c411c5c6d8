"""The ground floor: infrastructure every app may use and that knows no app.

`db` holds the database-level guards that migrations install (append-only triggers);
`queueing` sends Celery tasks by name, so that modules which schedule work never import the task
modules that call them (tasks → services stays one way).
"""
