//! What comes out of the pool: one [`Outcome`] per job that ran, and an [`Account`] at shutdown.
//!
//! Go's worker-pool example sends a bare `Result` value; here every result carries the index the job
//! was given at submission (so the collector can restore order) and the worker that ran it, and a job
//! that panicked arrives as `Err(JobPanicked)` instead of taking its worker down.

use std::any::Any;
use std::fmt;

/// The result of one job that ran: Go's `Result` on the `results chan<- Result` channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome<R> {
    /// The job's index: its position in submission order, starting at 0.
    pub index: usize,
    /// Which worker ran it, `0..pool.size()`.
    pub worker: usize,
    /// The work function's return value, or the panic message if it panicked.
    pub result: Result<R, JobPanicked>,
}

/// A job that was submitted but never started, handed back by [`Pool::shutdown`](crate::Pool::shutdown).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotStarted<J> {
    /// The job's index: its position in submission order.
    pub index: usize,
    /// The job itself, untouched.
    pub job: J,
}

/// A job's work function panicked; the pool caught the panic and carried on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobPanicked {
    /// The panic message (`"<non-string panic payload>"` if the payload was not a string).
    pub message: String,
}

impl JobPanicked {
    /// Extracts the message from a payload returned by [`std::panic::catch_unwind`] or
    /// [`JoinHandle::join`](std::thread::JoinHandle::join).
    pub fn from_payload(payload: &(dyn Any + Send)) -> Self {
        let message = if let Some(s) = payload.downcast_ref::<&'static str>() {
            (*s).to_owned()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "<non-string panic payload>".to_owned()
        };
        JobPanicked { message }
    }
}

impl fmt::Display for JobPanicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "job panicked: {}", self.message)
    }
}

impl std::error::Error for JobPanicked {}

/// Where every submitted job ended up, returned by [`Pool::shutdown`](crate::Pool::shutdown) and
/// [`Pool::finish`](crate::Pool::finish) once every worker thread has been joined.
///
/// Together with the outcomes the caller already received from [`Pool::results`](crate::Pool::results),
/// `completed` and `not_started` hold every submitted index exactly once: none lost, none run twice,
/// and none still running (the threads are joined before the account is made).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account<J, R> {
    /// Outcomes of jobs that ran but that the caller had not received yet, in index order.
    pub completed: Vec<Outcome<R>>,
    /// Jobs that no worker started, handed back in index order.
    pub not_started: Vec<NotStarted<J>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_payloads_become_messages() {
        let s: Box<dyn Any + Send> = Box::new("static str");
        assert_eq!(JobPanicked::from_payload(&*s).message, "static str");
        let s: Box<dyn Any + Send> = Box::new(String::from("formatted 7"));
        assert_eq!(JobPanicked::from_payload(&*s).message, "formatted 7");
        let s: Box<dyn Any + Send> = Box::new(42_u32);
        assert_eq!(
            JobPanicked::from_payload(&*s).to_string(),
            "job panicked: <non-string panic payload>"
        );
    }
}
