from django.urls import path

from appeals import queue_views, views

app_name = "appeals"

urlpatterns = [
    path("standing/actions/<int:action_pk>/appeal/", views.appeal_create, name="appeal-create"),
    path("appeals/<int:pk>/messages/", views.appeal_message, name="appeal-message"),
    path("appeals/<int:pk>/withdraw/", views.appeal_withdraw, name="appeal-withdraw"),
    path("appeals/attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
    path("staff/appeals/", views.review_list, name="review-list"),
    path("staff/appeals/<int:pk>/", views.review_detail, name="review-detail"),
    path("staff/appeals/<int:pk>/message/", views.review_message, name="review-message"),
    path(
        "staff/appeals/<int:pk>/request-info/",
        views.review_request_info,
        name="review-request-info",
    ),
    path("staff/appeals/<int:pk>/decide/", views.review_decide, name="review-decide"),
    path("staff/appeals/<int:pk>/claim/", views.review_claim, name="review-claim"),
    path("staff/appeals/<int:pk>/release/", views.review_release, name="review-release"),
    path("staff/appeals/<int:pk>/approve/", views.review_approve, name="review-approve"),
    path("staff/appeals/<int:pk>/return/", views.review_return, name="review-return"),
    path("staff/appeals/<int:pk>/macro/", views.macro_insert, name="macro-insert"),
    # Reviewer queues and the lead dashboard (appeals/queue_views.py).
    path("staff/queue/", queue_views.queue_page, name="queue"),
    path("staff/queue/claim-next/", queue_views.claim_next, name="claim-next"),
    path("staff/queue/availability/", queue_views.set_availability, name="availability"),
    path("staff/dashboard/", queue_views.dashboard, name="dashboard"),
    path("staff/dashboard/appeals/<int:pk>/release/", queue_views.release, name="release"),
    path("staff/dashboard/appeals/<int:pk>/reassign/", queue_views.reassign, name="reassign"),
]
