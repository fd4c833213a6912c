//! The agent's loop: a [`Poller`] that asks for commands until one arrives,
//! paced by a [`PollSchedule`], and stopped from any thread or a signal
//! handler through its [`PollerHandle`].

mod poller;
mod schedule;
mod stop;

pub use poller::{Polled, Poller, PollerHandle, PollerStatus};
pub use schedule::{PollEvent, PollSchedule, PollScheduleBuilder};
