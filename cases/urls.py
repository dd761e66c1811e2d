"""Partner portal pages of the cases app."""

from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.CaseListView.as_view(), name="list"),
    path("new/", views.CaseOpenView.as_view(), name="open"),
    path("slo/", views.SloReportView.as_view(), name="slo"),
    path("<int:pk>/", views.CaseDetailView.as_view(), name="detail"),
    path("<int:pk>/escalate/", views.CaseEscalateView.as_view(), name="escalate"),
    path("<int:pk>/transition/", views.CaseTransitionView.as_view(), name="transition"),
    path("<int:pk>/comment/", views.CaseCommentView.as_view(), name="comment"),
    path(
        "<int:pk>/attachments/", views.CaseAttachmentUploadView.as_view(), name="attachment-add"
    ),
    path(
        "<int:pk>/attachments/<int:attachment_id>/",
        views.CaseAttachmentDownloadView.as_view(),
        name="attachment",
    ),
    path("<int:pk>/recurrence/", views.CaseRecurrenceView.as_view(), name="recurrence"),
    path("<int:pk>/watchers/", views.CaseWatcherAddView.as_view(), name="watcher-add"),
    path(
        "<int:pk>/watchers/<int:contact_id>/remove/",
        views.CaseWatcherRemoveView.as_view(),
        name="watcher-remove",
    ),
]
