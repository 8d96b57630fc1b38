//! What the KCP and smux session drivers share: the tokio task around a
//! sans-IO core runs in budgeted steps ([`poll_steps`]), sleeps until the
//! core's next deadline ([`DeadlineTimer`]), and parks its users on wakers
//! ([`store_waker`], [`wake`]) kept in state behind a mutex
//! ([`lock_unpoisoned`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use tokio::time::{Instant, Sleep};

/// What one driver step achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Something happened; run another step.
    Again,
    /// Everything waits on a registered waker.
    Idle,
    /// The session is over; the driver task ends.
    Exit,
}

/// Polls a driver: runs `step` until it is idle or done, at most `budget`
/// times; after that the task wakes itself and yields, so one busy session
/// cannot starve the other tasks of its runtime thread.
pub(crate) fn poll_steps(
    cx: &mut Context<'_>,
    budget: usize,
    mut step: impl FnMut(&mut Context<'_>) -> Step,
) -> Poll<()> {
    for _ in 0..budget {
        match step(cx) {
            Step::Again => {}
            Step::Idle => return Poll::Pending,
            Step::Exit => return Poll::Ready(()),
        }
    }
    cx.waker().wake_by_ref();
    Poll::Pending
}

/// The driver's one timer, re-armed for whatever deadline the core asks
/// for next.
pub(crate) struct DeadlineTimer {
    sleep: Pin<Box<Sleep>>,
}

impl DeadlineTimer {
    /// A timer; it fires only once given a deadline.
    pub(crate) fn new() -> Self {
        DeadlineTimer {
            sleep: Box::pin(tokio::time::sleep_until(Instant::now())),
        }
    }

    /// Arms the timer for `deadline` (none: nothing to wait for) and
    /// reports whether that time has come; if not, `cx` is woken when it
    /// does.
    pub(crate) fn poll_expired(&mut self, cx: &mut Context<'_>, deadline: Option<Instant>) -> bool {
        let Some(deadline) = deadline else {
            return false;
        };
        if self.sleep.deadline() != deadline {
            self.sleep.as_mut().reset(deadline);
        }
        self.sleep.as_mut().poll(cx).is_ready()
    }
}

/// Keeps `waker` in `slot` (unless the one there already wakes the same
/// task).
pub(crate) fn store_waker(slot: &mut Option<Waker>, waker: &Waker) {
    match slot {
        Some(existing) if existing.will_wake(waker) => {}
        _ => *slot = Some(waker.clone()),
    }
}

/// Wakes and forgets the waker in `slot`, if any.
pub(crate) fn wake(slot: &mut Option<Waker>) {
    if let Some(waker) = slot.take() {
        waker.wake();
    }
}

/// Locks the state a driver shares with its handles. A panic under this
/// lock cannot leave a session half-updated in a way that matters more than
/// the panic itself, so a poisoned lock is used as it is.
pub(crate) fn lock_unpoisoned<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::task::Wake;
    use std::time::Duration;

    use super::*;

    struct CountingWaker(std::sync::atomic::AtomicUsize);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    fn counting_waker() -> (Arc<CountingWaker>, Waker) {
        let counter = Arc::new(CountingWaker(Default::default()));
        (counter.clone(), Waker::from(counter))
    }

    fn wakes(counter: &CountingWaker) -> usize {
        counter.0.load(std::sync::atomic::Ordering::SeqCst)
    }

    #[test]
    fn steps_run_until_idle_or_exit() {
        let (counter, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let mut plan = [Step::Again, Step::Again, Step::Idle].into_iter();
        let mut runs = 0;
        let poll = poll_steps(&mut cx, 16, |_| {
            runs += 1;
            plan.next().unwrap_or(Step::Exit)
        });
        assert_eq!((poll, runs, wakes(&counter)), (Poll::Pending, 3, 0));
        let poll = poll_steps(&mut cx, 16, |_| Step::Exit);
        assert_eq!(poll, Poll::Ready(()));
    }

    #[test]
    fn a_spent_budget_yields_and_wakes_itself() {
        let (counter, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let mut runs = 0;
        let poll = poll_steps(&mut cx, 4, |_| {
            runs += 1;
            Step::Again
        });
        assert_eq!((poll, runs, wakes(&counter)), (Poll::Pending, 4, 1));
    }

    #[tokio::test(start_paused = true)]
    async fn the_timer_fires_at_its_deadline_only() {
        let (_counter, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let mut timer = DeadlineTimer::new();
        assert!(!timer.poll_expired(&mut cx, None));
        let deadline = Instant::now() + Duration::from_millis(50);
        assert!(!timer.poll_expired(&mut cx, Some(deadline)));
        tokio::time::advance(Duration::from_millis(49)).await;
        assert!(!timer.poll_expired(&mut cx, Some(deadline)));
        tokio::time::advance(Duration::from_millis(1)).await;
        assert!(timer.poll_expired(&mut cx, Some(deadline)));
        let later = deadline + Duration::from_millis(10);
        assert!(!timer.poll_expired(&mut cx, Some(later)));
    }

    #[test]
    fn a_stored_waker_is_woken_once() {
        let (counter, waker) = counting_waker();
        let mut slot = None;
        store_waker(&mut slot, &waker);
        store_waker(&mut slot, &waker);
        wake(&mut slot);
        wake(&mut slot);
        assert_eq!(wakes(&counter), 1);
    }
}
