//! The cap on open connections, kept so that slow clients cannot hold the room normal
//! requests need: when every slot is taken, a new connection takes the slot of the
//! oldest one whose request head is still arriving, and that one is cut.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::task::AbortHandle;

use super::http::Progress;

/// The open connections, oldest first.
pub(super) struct Slots {
    max: usize,
    open: Mutex<Open>,
}

struct Open {
    next: u64,
    connections: BTreeMap<u64, Connection>,
}

struct Connection {
    progress: Arc<Progress>,
    /// The task serving it, once spawned.
    task: Option<AbortHandle>,
}

/// A connection's slot, given back when dropped (when its task ends or is cut).
pub(super) struct Slot {
    id: u64,
    slots: Arc<Slots>,
}

impl Slots {
    pub fn new(max: usize) -> Arc<Slots> {
        Arc::new(Slots {
            max,
            open: Mutex::new(Open {
                next: 0,
                connections: BTreeMap::new(),
            }),
        })
    }

    /// A slot for a new connection whose request is `progress`; `None` when every open
    /// connection is being answered, so that none may be cut.
    pub fn take(self: &Arc<Self>, progress: &Arc<Progress>) -> Option<Slot> {
        let mut open = self.lock();
        if open.connections.len() >= self.max {
            let (&oldest, _) = open
                .connections
                .iter()
                .find(|(_, c)| !c.progress.head_read())?;
            if let Some(task) = open.connections.remove(&oldest).and_then(|c| c.task) {
                task.abort();
            }
        }
        let id = open.next;
        open.next += 1;
        open.connections.insert(
            id,
            Connection {
                progress: Arc::clone(progress),
                task: None,
            },
        );
        Some(Slot {
            id,
            slots: Arc::clone(self),
        })
    }

    /// Records the task serving the connection of slot `id`, so that it can be cut. If
    /// the task has already ended, there is nothing to record.
    pub fn served_by(&self, id: u64, task: AbortHandle) {
        if let Some(connection) = self.lock().connections.get_mut(&id) {
            connection.task = Some(task);
        }
    }

    /// How many connections are open.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().connections.len()
    }

    /// Nothing is left half-changed under the lock, so a panic elsewhere while holding
    /// it is no reason to stop serving.
    fn lock(&self) -> MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Slot {
    pub fn id(&self) -> u64 {
        self.id
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.slots.lock().connections.remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_house_cuts_the_oldest_connection_still_waiting_for_its_request() {
        let slots = Slots::new(2);
        let answered = || {
            let progress = Progress::new();
            progress.head_arrived();
            progress
        };
        let first = slots.take(&answered()).expect("a free slot");
        let waiting = slots.take(&Progress::new()).expect("a free slot");
        let _newcomer = slots.take(&answered()).expect("the waiting one's slot");
        assert_eq!(slots.len(), 2);
        // The cut connection's task ends: its slot was already given away.
        drop(waiting);
        assert_eq!(slots.len(), 2);
        // Every open connection is being answered: none is cut, there is no room.
        assert!(slots.take(&Progress::new()).is_none());
        drop(first);
        assert!(slots.take(&Progress::new()).is_some());
    }
}
