from django.urls import path

from .views import batches, manifests, packing, picking, risk, ship, shipments, webhooks

app_name = "shipping"
urlpatterns = [
    path("webhooks/<str:carrier>/", webhooks.tracking_webhook, name="tracking_webhook"),
    # shipments, label batches, manifests and the at-risk queue (H4)
    path("shipments/", shipments.shipment_list, name="shipment_list"),
    path("shipments/export.csv", shipments.shipment_export, name="shipment_export"),
    path("shipments/<int:shipment_id>/", shipments.shipment_detail, name="shipment_detail"),
    path("orders/<str:number>/shipments/", shipments.order_panel, name="order_panel"),
    path("batches/", batches.batch_create, name="batch_create"),
    path("batches/<int:batch_id>/", batches.batch_detail, name="batch_detail"),
    path("batches/<int:batch_id>/labels.pdf", batches.batch_labels, name="batch_labels"),
    path("manifests/", manifests.manifest_list, name="manifest_list"),
    path("manifests/export.csv", manifests.manifest_export, name="manifest_export"),
    path("manifests/close/", manifests.manifest_close, name="manifest_close"),
    path("manifests/<int:manifest_id>/pdf/", manifests.manifest_pdf, name="manifest_pdf"),
    path("at-risk/", risk.at_risk_list, name="at_risk_list"),
    path("at-risk/export.csv", risk.at_risk_export, name="at_risk_export"),
    path("at-risk/<int:item_id>/take/", risk.at_risk_take, name="at_risk_take"),
    path("at-risk/<int:item_id>/assign/", risk.at_risk_assign, name="at_risk_assign"),
    path("at-risk/<int:item_id>/resolve/", risk.at_risk_resolve, name="at_risk_resolve"),
    path("pick-queue/", picking.pick_queue, name="pick_queue"),
    path("pick-queue/export.csv", picking.pick_queue_export, name="pick_queue_export"),
    path("pick-lists/", picking.pick_list_create, name="pick_list_create"),
    path("pick-lists/<int:pick_list_id>/", picking.pick_list_detail, name="pick_list"),
    path("pick-lists/<int:pick_list_id>/scan/", picking.pick_list_scan, name="pick_list_scan"),
    path("pick-lists/<int:pick_list_id>/short/", picking.pick_list_short, name="pick_list_short"),
    path(
        "pick-lists/<int:pick_list_id>/complete/",
        picking.pick_list_complete,
        name="pick_list_complete",
    ),
    path(
        "pick-lists/<int:pick_list_id>/cancel/", picking.pick_list_cancel, name="pick_list_cancel"
    ),
    path("pick-lists/<int:pick_list_id>/print/", picking.pick_list_print, name="pick_list_print"),
    # pack station and the ship screen of a parcel (H3)
    path("pack/", packing.pack_station, name="pack_station"),
    path("pack/<str:number>/", packing.pack_order, name="pack"),
    path("pack/<str:number>/scan/", packing.pack_scan, name="pack_scan"),
    path("pack/<str:number>/close/", packing.pack_close, name="pack_close"),
    path("shipments/<int:shipment_id>/ship/", ship.ship_screen, name="ship"),
    path("shipments/<int:shipment_id>/quotes/", ship.ship_quotes, name="quotes"),
    path("shipments/<int:shipment_id>/label/", ship.label_status, name="label_status"),
    path("shipments/<int:shipment_id>/buy-label/", ship.buy_label, name="buy_label"),
    path("shipments/<int:shipment_id>/hand-over/", ship.hand_over, name="hand_over"),
    path("shipments/<int:shipment_id>/void/", ship.void_label, name="void_label"),
    path("shipments/<int:shipment_id>/ready/", ship.ready_for_pickup, name="ready_for_pickup"),
    path("shipments/<int:shipment_id>/collect/", ship.collect, name="collect"),
    path("shipments/<int:shipment_id>/label.pdf", ship.label_pdf, name="label_pdf"),
    path("shipments/<int:shipment_id>/label.zpl", ship.label_zpl, name="label_zpl"),
    path("shipments/<int:shipment_id>/packing-slip.pdf", ship.packing_slip, name="packing_slip"),
]
