from django.urls import path

from appeals.views import case, macros, queues, review, search

app_name = "appeals"

urlpatterns = [
    # The freelancer's case page: statement of reasons and appeal (appeals/views/case.py).
    path("standing/actions/<int:pk>/", case.case_detail, name="case-detail"),
    path("standing/actions/<int:action_pk>/appeal/", case.appeal_create, name="appeal-create"),
    path("appeals/<int:pk>/messages/", case.appeal_message, name="appeal-message"),
    path("appeals/<int:pk>/withdraw/", case.appeal_withdraw, name="appeal-withdraw"),
    path("appeals/attachments/<int:pk>/", case.attachment_download, name="attachment-download"),
    path("standing/actions/<int:pk>/bundle.<slug:fmt>", case.case_bundle, name="case-bundle"),
    path(
        "standing/actions/<int:action_pk>/case-file/",
        case.case_file_request,
        name="case-file-request",
    ),
    path(
        "standing/actions/<int:action_pk>/case-file/status/",
        case.case_file_status,
        name="case-file-status",
    ),
    path(
        "standing/case-files/<int:pk>/download/",
        case.case_file_download,
        name="case-file-download",
    ),
    # A reviewer working one appeal (appeals/views/review.py).
    path("staff/appeals/", review.review_list, name="review-list"),
    path("staff/appeals/<int:pk>/", review.review_detail, name="review-detail"),
    path("staff/appeals/<int:pk>/message/", review.review_message, name="review-message"),
    path(
        "staff/appeals/<int:pk>/request-info/",
        review.review_request_info,
        name="review-request-info",
    ),
    path("staff/appeals/<int:pk>/decide/", review.review_decide, name="review-decide"),
    path("staff/appeals/<int:pk>/claim/", review.review_claim, name="review-claim"),
    path("staff/appeals/<int:pk>/release/", review.review_release, name="review-release"),
    path("staff/appeals/<int:pk>/approve/", review.review_approve, name="review-approve"),
    path("staff/appeals/<int:pk>/return/", review.review_return, name="review-return"),
    path("staff/appeals/<int:pk>/note/", review.review_note, name="review-note"),
    path("staff/appeals/<int:pk>/reassign/", review.review_reassign, name="review-reassign"),
    path("staff/appeals/<int:pk>/live/", review.review_live, name="review-live"),
    path("staff/appeals/<int:pk>/macro/", review.macro_preview, name="macro-preview"),
    path("staff/appeals/<int:pk>/macro/apply/", review.macro_apply, name="macro-apply"),
    path(
        "staff/appeals/attachments/<int:pk>/preview.png",
        review.attachment_preview,
        name="attachment-preview",
    ),
    # Leads manage canned replies (appeals/views/macros.py).
    path("staff/macros/", macros.macro_list, name="macro-list"),
    path("staff/macros/new/", macros.macro_create, name="macro-create"),
    path("staff/macros/<int:pk>/", macros.macro_edit, name="macro-edit"),
    path("staff/macros/<int:pk>/active/", macros.macro_set_active, name="macro-set-active"),
    path("staff/appeals/<int:pk>/bundle.<slug:fmt>", review.review_bundle, name="review-bundle"),
    path(
        "staff/appeals/<int:pk>/case-file/",
        review.review_case_file_request,
        name="review-case-file-request",
    ),
    path(
        "staff/appeals/<int:pk>/case-file/status/",
        review.review_case_file_status,
        name="review-case-file-status",
    ),
    path(
        "staff/case-files/<int:pk>/download/",
        review.review_case_file_download,
        name="review-case-file-download",
    ),
    # Staff search and its saved views (appeals/views/search.py).
    path("staff/search/", search.search, name="search"),
    path("staff/search/views/", search.saved_search_create, name="saved-search-create"),
    path(
        "staff/search/views/<int:pk>/rename/",
        search.saved_search_rename,
        name="saved-search-rename",
    ),
    path(
        "staff/search/views/<int:pk>/delete/",
        search.saved_search_delete,
        name="saved-search-delete",
    ),
    # Reviewer queues and the lead dashboard (appeals/views/queues.py).
    path("staff/queue/", queues.queue_page, name="queue"),
    path("staff/queue/claim-next/", queues.claim_next, name="claim-next"),
    path("staff/queue/availability/", queues.set_availability, name="availability"),
    path("staff/dashboard/", queues.dashboard, name="dashboard"),
    path("staff/dashboard/appeals/<int:pk>/release/", queues.release, name="release"),
    path("staff/dashboard/appeals/<int:pk>/reassign/", queues.reassign, name="reassign"),
]
