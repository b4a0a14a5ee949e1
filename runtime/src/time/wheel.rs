//! A hierarchical timing wheel: where the timer queue keeps its entries.
//!
//! Time is counted in whole milliseconds ("ticks") since the wheel was made.
//! There are levels of 64 slots. A slot on level 0 holds the timers due in
//! one particular millisecond, a slot on level 1 those due in one particular
//! 64 ms span, on level 2 one 4,096 ms span, and so on. A timer goes on the
//! lowest level whose current window contains its deadline, so a timer due
//! soon lands on level 0 and one due in an hour on level 3.
//!
//! When the clock reaches a slot on a higher level, its timers are not due
//! yet (only their span has begun): each one moves down to the level that
//! now fits it, and eventually reaches level 0 and fires. Inserting and
//! removing are O(1) — a slot is a doubly linked list threaded through a
//! slab — and a timer moves down at most once per level.
//!
//! This is tokio's design (its `time::wheel`), with two differences. tokio
//! has six levels, which reach about two years, and files later deadlines at
//! that edge; we have eleven, enough for any 64-bit tick, so nothing needs
//! clamping (the levels above the seventh stay empty, and cost one bit
//! test each, unless a deadline is decades away). And the entries live in a slab of indices rather than in the
//! futures themselves, which tokio links with pointers and `unsafe`.

use std::task::Waker;

use crate::event_loop::trace;

/// Slots per level, and so the factor between two levels' spans.
const SLOTS: usize = 64;
/// Enough levels of 6 bits each to cover a 64-bit tick.
const LEVELS: usize = 11;
/// Marks the end of a list.
const NIL: u32 = u32::MAX;

/// A timer, named by its slab index and that slot's generation, so a key
/// kept after its timer fired cannot touch the timer that reused the slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EntryId {
    index: u32,
    generation: u32,
}

struct Entry {
    generation: u32,
    timer: Option<Timer>,
}

struct Timer {
    /// The tick at which the timer is due.
    when: u64,
    /// Which timer of this wheel it is, counting from 0: the name a trace
    /// gives it (`SPOOL_TRACE`), never reused.
    number: u64,
    waker: Waker,
    /// The level and slot whose list holds this timer.
    level: u8,
    slot: u8,
    prev: u32,
    next: u32,
}

/// One slot's list, oldest first, so timers due in the same millisecond
/// fire in the order they were filed.
#[derive(Clone, Copy)]
struct List {
    head: u32,
    tail: u32,
}

const EMPTY: List = List {
    head: NIL,
    tail: NIL,
};

pub(crate) struct Wheel {
    /// The tick up to which the wheel has been advanced.
    elapsed: u64,
    slots: [[List; SLOTS]; LEVELS],
    /// One bit per non-empty slot, so finding the next one is a bit scan.
    occupied: [u64; LEVELS],
    entries: Vec<Entry>,
    free: Vec<u32>,
    /// How many timers were ever filed: the next timer's number.
    filed: u64,
}

impl Default for Wheel {
    fn default() -> Wheel {
        Wheel {
            elapsed: 0,
            slots: [[EMPTY; SLOTS]; LEVELS],
            occupied: [0; LEVELS],
            entries: Vec::new(),
            free: Vec::new(),
            filed: 0,
        }
    }
}

impl Wheel {
    /// The number the last timer filed was given (see [`Timer::number`]).
    pub(crate) fn last_number(&self) -> u64 {
        self.filed.saturating_sub(1)
    }

    /// How many timers are live.
    pub(crate) fn len(&self) -> usize {
        self.entries.len() - self.free.len()
    }

    /// Files a timer due at tick `when`. A tick already passed is filed at
    /// the current one and fires at the next `advance`.
    pub(crate) fn insert(&mut self, when: u64, waker: Waker) -> EntryId {
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                self.entries.push(Entry {
                    generation: 0,
                    timer: None,
                });
                (self.entries.len() - 1) as u32
            }
        };
        let when = when.max(self.elapsed);
        let number = self.filed;
        self.filed += 1;
        self.entries[index as usize].timer = Some(Timer {
            when,
            number,
            waker,
            level: 0,
            slot: 0,
            prev: NIL,
            next: NIL,
        });
        self.link(index);
        EntryId {
            index,
            generation: self.entries[index as usize].generation,
        }
    }

    /// The waker of a timer still pending, for replacing it.
    pub(crate) fn waker_mut(&mut self, id: EntryId) -> Option<&mut Waker> {
        let entry = self.entries.get_mut(id.index as usize)?;
        if entry.generation != id.generation {
            return None;
        }
        entry.timer.as_mut().map(|timer| &mut timer.waker)
    }

    /// Removes a pending timer; an id whose timer already fired is ignored.
    pub(crate) fn remove(&mut self, id: EntryId) -> Option<Waker> {
        let entry = self.entries.get(id.index as usize)?;
        if entry.generation != id.generation || entry.timer.is_none() {
            return None;
        }
        trace::timer_removed(self.timer(id.index).number);
        self.unlink(id.index);
        Some(self.free_entry(id.index))
    }

    /// The tick of the earliest non-empty slot, if any timer is filed. On
    /// a higher level this is when the slot's span begins, which may be
    /// before any of its timers is due: the loop then wakes, moves them
    /// down, and sleeps again.
    pub(crate) fn next_tick(&self) -> Option<u64> {
        // A slot on a lower level always comes before any slot above it.
        (0..LEVELS).find_map(|level| self.next_in_level(level))
    }

    /// Advances the wheel to tick `now`, pushing the wakers of due timers
    /// onto `due`, earliest first.
    pub(crate) fn advance(&mut self, now: u64, due: &mut Vec<Waker>) {
        while let Some((level, tick)) = self.next_slot() {
            if tick > now {
                break;
            }
            self.elapsed = tick;
            let slot = slot_for(tick, level);
            let list = std::mem::replace(&mut self.slots[level][slot], EMPTY);
            self.occupied[level] &= !(1 << slot);
            let mut index = list.head;
            while index != NIL {
                let timer = self.timer(index);
                let (next, when, number) = (timer.next, timer.when, timer.number);
                if when <= now {
                    trace::timer_fired(number);
                    due.push(self.free_entry(index));
                } else {
                    self.link(index);
                }
                index = next;
            }
        }
        self.elapsed = self.elapsed.max(now);
    }

    /// The level and start tick of the earliest non-empty slot.
    fn next_slot(&self) -> Option<(usize, u64)> {
        (0..LEVELS).find_map(|level| Some((level, self.next_in_level(level)?)))
    }

    /// The start tick of the first non-empty slot of `level`, counting from
    /// the slot the wheel is at now and wrapping round.
    fn next_in_level(&self, level: usize) -> Option<u64> {
        let occupied = self.occupied[level];
        if occupied == 0 {
            return None;
        }
        // In u128: the top level's span is 2⁶⁶ ticks.
        let slot_span = 1u128 << (6 * level);
        let level_span = slot_span << 6;
        let elapsed = u128::from(self.elapsed);
        let now_slot = slot_for(self.elapsed, level) as u32;
        let slot = (occupied.rotate_right(now_slot).trailing_zeros() + now_slot) % SLOTS as u32;
        let level_start = elapsed & !(level_span - 1);
        let mut tick = level_start + u128::from(slot) * slot_span;
        // A slot behind the current one holds the next window's timers.
        if slot < now_slot {
            tick += level_span;
        }
        Some(u64::try_from(tick.max(elapsed)).unwrap_or(u64::MAX))
    }

    /// Files the timer at `index` at the tail of the slot that fits it now.
    fn link(&mut self, index: u32) {
        let elapsed = self.elapsed;
        let when = self.timer(index).when;
        let level = level_for(elapsed, when);
        let slot = slot_for(when, level);
        let old_tail = self.slots[level][slot].tail;
        let timer = self.timer_mut(index);
        timer.level = level as u8;
        timer.slot = slot as u8;
        timer.prev = old_tail;
        timer.next = NIL;
        match old_tail {
            NIL => self.slots[level][slot].head = index,
            tail => self.timer_mut(tail).next = index,
        }
        self.slots[level][slot].tail = index;
        self.occupied[level] |= 1 << slot;
    }

    fn unlink(&mut self, index: u32) {
        let timer = self.timer(index);
        let (level, slot, prev, next) = (
            usize::from(timer.level),
            usize::from(timer.slot),
            timer.prev,
            timer.next,
        );
        match prev {
            NIL => self.slots[level][slot].head = next,
            prev => self.timer_mut(prev).next = next,
        }
        match next {
            NIL => self.slots[level][slot].tail = prev,
            next => self.timer_mut(next).prev = prev,
        }
        if self.slots[level][slot].head == NIL {
            self.occupied[level] &= !(1 << slot);
        }
    }

    /// Frees a timer's entry (already unlinked) and returns its waker.
    fn free_entry(&mut self, index: u32) -> Waker {
        let entry = &mut self.entries[index as usize];
        let timer = entry.timer.take().expect("a linked entry holds a timer");
        entry.generation = entry.generation.wrapping_add(1);
        self.free.push(index);
        timer.waker
    }

    fn timer(&self, index: u32) -> &Timer {
        self.entries[index as usize]
            .timer
            .as_ref()
            .expect("a linked entry holds a timer")
    }

    fn timer_mut(&mut self, index: u32) -> &mut Timer {
        self.entries[index as usize]
            .timer
            .as_mut()
            .expect("a linked entry holds a timer")
    }
}

/// The lowest level whose current window (as seen from `elapsed`) holds
/// `when`: the highest 6-bit digit in which the two ticks differ.
fn level_for(elapsed: u64, when: u64) -> usize {
    let differing = (elapsed ^ when) | (SLOTS as u64 - 1);
    let significant = 63 - differing.leading_zeros() as usize;
    significant / 6
}

/// The slot of tick `when` on `level`.
fn slot_for(when: u64, level: usize) -> usize {
    ((when >> (6 * level)) % SLOTS as u64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Advances tick by tick from 0 to `end`, recording at which tick each
    /// of `whens` fired (by position), to check that nothing fires early
    /// or late wherever it was filed.
    fn fire_ticks(whens: &[u64], end: u64, step: u64) -> Vec<Option<u64>> {
        use std::sync::{Arc, Mutex};
        use std::task::Wake;
        struct Mark(usize, Arc<Mutex<Vec<usize>>>);
        impl Wake for Mark {
            fn wake(self: Arc<Self>) {
                self.1.lock().unwrap().push(self.0);
            }
        }
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut wheel = Wheel::default();
        for (i, &when) in whens.iter().enumerate() {
            wheel.insert(when, Waker::from(Arc::new(Mark(i, log.clone()))));
        }
        let mut fired = vec![None; whens.len()];
        let mut now = 0;
        while now <= end {
            let mut due = Vec::new();
            wheel.advance(now, &mut due);
            due.into_iter().for_each(Waker::wake);
            for i in log.lock().unwrap().drain(..) {
                fired[i] = Some(now);
            }
            now += step;
        }
        fired
    }

    #[test]
    fn each_timer_fires_at_its_tick_on_every_level() {
        let whens = [
            0, 1, 63, 64, 65, 4095, 4096, 4097, 262_143, 262_144, 300_001,
        ];
        let fired = fire_ticks(&whens, 300_010, 1);
        let expected: Vec<_> = whens.iter().map(|&w| Some(w)).collect();
        assert_eq!(fired, expected);
    }

    #[test]
    fn coarse_advances_fire_everything_due_and_nothing_more() {
        let whens = [5, 70, 5000, 70_000];
        // Advancing 1,000 ticks at a time: each fires at the first advance
        // at or after its tick.
        let fired = fire_ticks(&whens, 71_000, 1000);
        assert_eq!(fired, [Some(1000), Some(1000), Some(5000), Some(70_000)]);
    }

    #[test]
    fn next_tick_is_never_after_the_earliest_timer() {
        let mut wheel = Wheel::default();
        wheel.insert(100_000, Waker::noop().clone());
        let first = wheel.next_tick().unwrap();
        assert!(first <= 100_000);
        let early = wheel.insert(70, Waker::noop().clone());
        // Tick 70 sits on level 1, in the slot whose span begins at 64.
        assert_eq!(wheel.next_tick(), Some(64));
        wheel.remove(early);
        assert_eq!(wheel.next_tick(), Some(first));
    }

    #[test]
    fn a_removed_timer_frees_its_slot_and_its_id_goes_stale() {
        let mut wheel = Wheel::default();
        let id = wheel.insert(10, Waker::noop().clone());
        assert!(wheel.remove(id).is_some());
        assert_eq!(wheel.len(), 0);
        assert_eq!(wheel.next_tick(), None);
        let reused = wheel.insert(20, Waker::noop().clone());
        assert!(wheel.remove(id).is_none(), "a stale id removed a new timer");
        assert!(wheel.waker_mut(reused).is_some());
    }

    #[test]
    fn a_timer_decades_away_fires_at_its_tick_not_before() {
        // About thirty years of milliseconds, far above tokio's six levels.
        let when = 946_080_000_000;
        let mut wheel = Wheel::default();
        wheel.insert(when, Waker::noop().clone());
        let mut due = Vec::new();
        for now in [1, 4096, when / 2, when - 1] {
            wheel.advance(now, &mut due);
            assert!(due.is_empty(), "fired at {now}");
            assert!(wheel.next_tick().unwrap() <= when);
        }
        wheel.advance(when, &mut due);
        assert_eq!(due.len(), 1);
        assert_eq!(wheel.next_tick(), None);
    }
}
