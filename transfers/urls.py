from django.urls import path

from . import views

app_name = "transfers"
urlpatterns = [
    path("duty/", views.DutyQueueView.as_view(), name="duty_queue"),
    path("step-up/start/<str:reference>/", views.StepUpStartView.as_view(), name="start"),
    path("<int:pk>/", views.TransferDetailView.as_view(), name="detail"),
    path("<int:pk>/review/", views.SupervisorReviewView.as_view(), name="review"),
    path("<int:pk>/eh-decision/", views.EhDecisionView.as_view(), name="eh_decision"),
    path("<int:pk>/send/", views.SendStepUpView.as_view(), name="send"),
    path("<int:pk>/pick-up/", views.PickUpView.as_view(), name="pick_up"),
    path("<int:pk>/decision/", views.DutyDecisionView.as_view(), name="decision"),
    path("<int:pk>/allocate/", views.AllocateView.as_view(), name="allocate"),
    path("<int:pk>/joint-visit/", views.JointVisitView.as_view(), name="joint_visit"),
    path("<int:pk>/ten-day-discussion/", views.TenDayDiscussionView.as_view(), name="ten_day"),
    path("<int:pk>/new-plan/", views.NewPlanView.as_view(), name="new_plan"),
    path("<int:pk>/accept-refusal/", views.AcceptRefusalView.as_view(), name="accept_refusal"),
    path("inbox/", views.InboxView.as_view(), name="inbox"),
    path("waiting/", views.WaitingView.as_view(), name="waiting"),
    path("started/", views.StartedView.as_view(), name="started"),
    path("propose/<str:reference>/", views.ProposeTransferView.as_view(), name="propose"),
    path("<int:pk>/decide/", views.DecideTransferView.as_view(), name="decide"),
    path("<int:pk>/summary/", views.TransferSummaryView.as_view(), name="summary"),
    path("<int:pk>/sign-off/", views.SignOffSummaryView.as_view(), name="sign_off"),
    path("<int:pk>/quality/", views.QualityAssuranceView.as_view(), name="quality"),
    path(
        "<int:pk>/allocate-worker/",
        views.AllocateReceivingView.as_view(),
        name="allocate_receiving",
    ),
    path("<int:pk>/capacity/", views.CapacityView.as_view(), name="capacity"),
    path("<int:pk>/missing-work/", views.MissingWorkView.as_view(), name="missing_work"),
    path(
        "<int:pk>/missing-work/<int:item>/done/",
        views.MissingWorkDoneView.as_view(),
        name="missing_work_done",
    ),
    path("<int:pk>/complete/", views.CompleteTransferView.as_view(), name="complete"),
    path(
        "children-in-care/start/<str:reference>/",
        views.AccessToCareView.as_view(),
        name="cic_start",
    ),
    path(
        "<int:pk>/administrator/", views.NotifyAdministratorView.as_view(), name="cic_notify_admin"
    ),
    path(
        "<int:pk>/children-in-care-team/", views.ChildrenInCareTeamView.as_view(), name="cic_team"
    ),
    path("<int:pk>/looked-after-review/", views.LookedAfterReviewView.as_view(), name="cic_review"),
    path(
        "<int:pk>/transfer-discussion/",
        views.TransferDiscussionView.as_view(),
        name="cic_discussion",
    ),
    path("<int:pk>/social-worker/", views.ChildrenInCareWorkerView.as_view(), name="cic_worker"),
    path("<int:pk>/family-told/", views.FamilyToldView.as_view(), name="cic_family"),
    path("<int:pk>/pre-transfer/", views.PreTransferView.as_view(), name="cic_pre_transfer"),
    path("<int:pk>/ics/", views.RecordedOnIcsView.as_view(), name="cic_ics"),
    path(
        "<int:pk>/complete-cin-to-cic/", views.CompleteCinToCicView.as_view(), name="cic_complete"
    ),
    path("<int:pk>/withdraw/", views.WithdrawView.as_view(), name="withdraw"),
    path("<int:pk>/escalate/", views.EscalateView.as_view(), name="escalate"),
]
