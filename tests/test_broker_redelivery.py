"""With RabbitMQ as the broker, a worker killed mid-task loses nothing and repeats nothing.

The task stays unacknowledged while it runs (acks_late). When the whole worker dies its
connection drops and RabbitMQ hands the message to the next worker at once; when only its pool
process dies, the worker itself puts the message back (reject_on_worker_lost). The task is
idempotent, so its effect happens once however many times it starts.
"""

import os
import signal
from pathlib import Path

import pytest

from notifications.models import Kind, Notification
from orders.models import Order, OrderEvent
from tests import factories
from tests.factories import place, stock
from tests.workers import broker_client, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.amqp, pytest.mark.django_db(transaction=True)]
BROKER_URL = os.environ.get("OMS_TEST_AMQP_URL", "")


def slow_mail(mail_dir: Path) -> dict[str, str]:
    """Worker settings: the first e-mail sent hangs for a minute, time to kill its process."""
    return {
        "EMAIL_BACKEND": "tests.slow_mail.SlowFileBackend",
        "OMS_TEST_MAIL_DIR": str(mail_dir),
        "OMS_TEST_MAIL_DELAY": "60",
    }


def send_attempts(mail_dir: Path) -> list[int]:
    """The id of the process behind each send begun, in no particular order."""
    return [int(marker.read_text()) for marker in mail_dir.glob("*.started")]


def emails_sent(order: Order) -> int:
    return order.events.filter(type=OrderEvent.Type.EMAIL_SENT).count()


@pytest.fixture
def draft_order(channel, customer, warehouse):
    """An order whose confirmation e-mail is still to be sent: placing a draft sends none."""
    product = factories.ProductFactory()
    stock(product, warehouse, 1)
    return place(channel=channel, customer=customer, items=[(product, 1)], draft=True)


@pytest.fixture
def queued_email(draft_order) -> Notification:
    """The draft's e-mail, logged and waiting for a worker to send it."""
    return Notification.objects.create(
        order=draft_order,
        customer=draft_order.customer,
        kind=Kind.ORDER_RECEIVED,
        recipient=draft_order.email,
        subject=f"We have received your order {draft_order.number}",
        body_text="Thank you for your order.",
        dedupe_key=f"redelivery:{draft_order.pk}",
    )


@pytest.fixture
def amqp_client(worker_processes):
    """A client of the test RabbitMQ; the workers' queue is deleted once they are stopped."""
    client = broker_client(BROKER_URL)
    yield client
    worker_processes.stop()
    with client.connection_for_write() as connection:
        connection.default_channel.queue_delete(worker_processes.queue)
        connection.default_channel.exchange_delete(worker_processes.queue)


@pytest.fixture
def hanging_worker(worker_processes, amqp_client, queued_email, tmp_path):
    """A worker on RabbitMQ that has begun e-mailing the draft's confirmation and hangs there."""
    worker = worker_processes.start(broker_url=BROKER_URL, env=slow_mail(tmp_path))
    amqp_client.send_task(
        "notifications.tasks.send_notification",
        args=[queued_email.pk],
        queue=worker_processes.queue,
    )
    assert wait_until(lambda: len(send_attempts(tmp_path)) == 1, timeout=30), "never started"
    return worker


def mails_written(mail_dir: Path) -> int:
    return len(list(mail_dir.glob("*.log")))


def assert_sent_once_on_a_second_attempt(order: Order, mail_dir: Path) -> None:
    done = wait_until(lambda: mails_written(mail_dir) > 0 and emails_sent(order) > 0, timeout=60)
    assert done, "the task did not run again"
    attempts = send_attempts(mail_dir)
    assert len(attempts) == len(set(attempts)) == 2  # begun again, in a new process
    assert mails_written(mail_dir) == 1  # by the second run: the first was killed before it
    assert emails_sent(order) == 1


def test_a_task_whose_worker_dies_goes_to_the_next_worker_and_takes_effect_once(
    worker_processes, hanging_worker, draft_order, tmp_path
):
    worker_processes.kill(hanging_worker)  # parent and pool child at once: its connection drops
    worker_processes.start(broker_url=BROKER_URL, env=slow_mail(tmp_path))

    assert_sent_once_on_a_second_attempt(draft_order, tmp_path)


def test_a_task_whose_pool_process_dies_is_put_back_by_its_worker_and_takes_effect_once(
    hanging_worker, draft_order, tmp_path
):
    [pool_process] = send_attempts(tmp_path)
    os.kill(pool_process, signal.SIGKILL)  # as the OOM killer would: the worker itself lives on

    assert_sent_once_on_a_second_attempt(draft_order, tmp_path)
