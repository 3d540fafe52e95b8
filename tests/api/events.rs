//! The outbox: retries with backoff, dead letters, and exactly-once effects
//! across a process killed mid-delivery.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use boptone::db::{Db, Durability};
use boptone::events::{EventBus, PlatformEvent, Registry, RetryPolicy, emit, repo};
use serde::Serialize;

#[derive(Serialize)]
struct Happened {
    n: u32,
    poison: bool,
}

impl PlatformEvent for Happened {
    const TYPE: &'static str = "test.thing.happened";
}

fn open_db(dir: &Path) -> Db {
    let db = Db::open_migrated(&dir.join("boptone.db")).unwrap();
    db.write_blocking(Durability::Normal, |tx| {
        tx.execute_batch("CREATE TABLE IF NOT EXISTS effects (event_id INTEGER NOT NULL, handler TEXT NOT NULL) STRICT")
    })
    .unwrap();
    db
}

fn emit_n(db: &Db, range: std::ops::Range<u32>, poison: impl Fn(u32) -> bool) {
    for n in range {
        db.write_blocking(Durability::Normal, |tx| emit(tx, &Happened { n, poison: poison(n) }).map(|_| ())).unwrap();
    }
}

fn policy(max_attempts: u32) -> RetryPolicy {
    RetryPolicy { max_attempts, backoff_base: Duration::from_millis(2), backoff_max: Duration::from_millis(20) }
}

fn record_effect(tx: &boptone::db::Tx, event_id: i64, handler: &str) -> rusqlite::Result<()> {
    tx.execute("INSERT INTO effects (event_id, handler) VALUES (?1, ?2)", rusqlite::params![event_id, handler])?;
    Ok(())
}

fn count(db: &Db, sql: &str) -> i64 {
    let sql = sql.to_owned();
    db.read_blocking(move |c| c.query_row(&sql, [], |r| r.get(0))).unwrap()
}

/// Runs the bus until nothing is pending or `timeout` passes.
fn settle(bus: &EventBus, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        bus.process_due().unwrap();
        if count(bus.db(), "SELECT COUNT(*) FROM platform_events WHERE status = 'pending'") == 0 {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("events still pending after {timeout:?}");
}

#[test]
fn a_handler_that_fails_twice_then_succeeds_has_its_effect_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_db(dir.path());
    let calls = Arc::new(AtomicU32::new(0));
    let mut registry = Registry::new();
    let flaky_calls = calls.clone();
    registry
        .on(Happened::TYPE, "flaky", move |tx, event| {
            record_effect(tx, event.id, "flaky")?;
            // The effect above is rolled back with the failure.
            anyhow::ensure!(flaky_calls.fetch_add(1, Ordering::SeqCst) >= 2, "temporary failure");
            Ok(())
        })
        .on(Happened::TYPE, "steady", |tx, event| Ok(record_effect(tx, event.id, "steady")?));
    let bus = EventBus::new(db.clone(), registry, policy(5));
    emit_n(&db, 0..1, |_| false);
    settle(&bus, Duration::from_secs(5));

    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM effects WHERE handler = 'flaky'"), 1);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM effects WHERE handler = 'steady'"),
        1,
        "a handler that succeeded is not re-run"
    );
    let row = db.read_blocking(|c| repo::find_event(c, 1)).unwrap().unwrap();
    assert_eq!(row.status, "done");
    assert_eq!(row.attempts, 2, "two failed attempts were recorded");
}

#[test]
fn retry_delays_grow_exponentially_up_to_the_cap() {
    let policy =
        RetryPolicy { max_attempts: 10, backoff_base: Duration::from_secs(1), backoff_max: Duration::from_secs(10) };
    let delays: Vec<u64> = (1..=6).map(|n| policy.delay_after(n).as_secs()).collect();
    assert_eq!(delays, [1, 2, 4, 8, 10, 10]);
}

#[test]
fn a_poison_event_is_dead_lettered_without_blocking_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_db(dir.path());
    let mut registry = Registry::new();
    registry.on(Happened::TYPE, "picky", |tx, event| {
        if event.payload["poison"] == true {
            panic!("cannot digest event {}", event.payload["n"]);
        }
        Ok(record_effect(tx, event.id, "picky")?)
    });
    let bus = EventBus::new(db.clone(), registry, policy(3));
    emit_n(&db, 0..6, |n| n == 0);
    settle(&bus, Duration::from_secs(5));

    assert_eq!(count(&db, "SELECT COUNT(*) FROM platform_events WHERE status = 'done'"), 5);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM effects"), 5);
    let dead = db.read_blocking(|c| repo::list_undelivered(c, true, 10)).unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].attempts, 3);
    assert!(dead[0].last_error.as_deref().unwrap().contains("cannot digest event 0"), "{:?}", dead[0].last_error);

    let requeued =
        db.write_blocking(Durability::Normal, |tx| repo::requeue_dead_events(tx, None, boptone::db::now_ms())).unwrap();
    assert_eq!(requeued, 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM platform_events WHERE status = 'pending' AND attempts = 0"), 1);
}

/// A registry whose handler "steady" records each event once.
fn steady_registry() -> Registry {
    let mut registry = Registry::new();
    registry.on(Happened::TYPE, "steady", |tx, event| Ok(record_effect(tx, event.id, "steady")?));
    registry
}

#[test]
fn events_are_handled_in_batches_and_a_failing_handler_undoes_only_its_own_writes() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_db(dir.path());
    let mut registry = steady_registry();
    // Writes, then fails for odd events: its write must not survive.
    registry.on(Happened::TYPE, "halfway", |tx, event| {
        record_effect(tx, event.id, "halfway")?;
        if event.payload["n"].as_u64().unwrap() % 2 == 1 {
            anyhow::bail!("gave up halfway");
        }
        Ok(())
    });
    // A budget no round reaches, so the first round's size depends on the
    // batch, not on how busy the machine is.
    let bus = EventBus::with_batch_budget(db.clone(), registry, policy(2), Duration::from_secs(60));
    emit_n(&db, 0..40, |_| false);
    // One call handles every due event (one transaction), not one.
    assert_eq!(bus.process_due().unwrap(), 40);
    settle(&bus, Duration::from_secs(5));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM effects WHERE handler = 'steady'"), 40, "each once, failures or not");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM effects WHERE handler = 'halfway'"), 20, "odd events' writes undone");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM platform_events WHERE status = 'done'"), 20);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM platform_events WHERE status = 'dead'"), 20);
    // A settled event names its handlers on its own row; only those to be
    // retried kept a row per handler that ran (no four inserts per like).
    assert_eq!(count(&db, "SELECT COUNT(*) FROM platform_events WHERE handled = 'steady,halfway'"), 20);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM platform_event_handlers WHERE handler = 'steady'"), 20);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM platform_event_handlers"), 20);
}

#[test]
fn a_batch_stops_taking_events_once_its_time_budget_is_spent() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_db(dir.path());
    // Spent as soon as one event is settled: each round takes exactly one,
    // and the rest wait for the next round rather than hold the writer.
    let bus = EventBus::with_batch_budget(db.clone(), steady_registry(), policy(2), Duration::ZERO);
    emit_n(&db, 0..3, |_| false);
    assert_eq!(bus.process_due().unwrap(), 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM platform_events WHERE status = 'pending'"), 2);
    assert_eq!(bus.process_due().unwrap(), 1);
    assert_eq!(bus.process_due().unwrap(), 1);
    assert_eq!(bus.process_due().unwrap(), 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM effects WHERE handler = 'steady'"), 3);
}

/// Writes a batch's held numbers as one row: `event_id` holds how many.
fn write_tally(tx: &boptone::db::Tx, held: Vec<u32>) -> rusqlite::Result<()> {
    record_effect(tx, i64::try_from(held.len()).unwrap(), "tally")
}

const TALLIED: &str = "SELECT coalesce(sum(event_id), 0) FROM effects WHERE handler = 'tally'";

/// A registry whose tallied handler "count" counts each event once.
fn counting_registry() -> Registry {
    let mut registry = Registry::new();
    let tally = registry.tally(write_tally);
    registry.on_tallied(Happened::TYPE, "count", move |_, _| {
        tally.add(1);
        Ok(())
    });
    registry
}

#[test]
fn tallied_updates_are_written_once_per_batch_and_undone_with_their_event() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_db(dir.path());
    let mut registry = Registry::new();
    let tally = registry.tally(write_tally);
    registry.on_tallied(Happened::TYPE, "count", move |_, event| {
        tally.add(u32::try_from(event.payload["n"].as_u64().unwrap()).unwrap());
        Ok(())
    });
    // Fails for odd events after "count" ran in the same go: "count" is
    // undone, run again on its own, and must be held once, not twice.
    registry.on_tallied(Happened::TYPE, "picky", |_, event| {
        anyhow::ensure!(event.payload["n"].as_u64().unwrap() % 2 == 0, "odd");
        Ok(())
    });
    let bus = EventBus::new(db.clone(), registry, policy(2));
    emit_n(&db, 0..40, |_| false);
    settle(&bus, Duration::from_secs(5));
    assert_eq!(count(&db, TALLIED), 40, "each event counted once, its sibling failing or not");
    let writes = count(&db, "SELECT COUNT(*) FROM effects WHERE handler = 'tally'");
    assert!(writes < 10, "held and written per batch, not per event: {writes} writes");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM platform_events WHERE status = 'dead'"), 20);
}

#[test]
fn a_batch_whose_tallies_fail_to_write_leaves_nothing_held_for_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_db(dir.path());
    let mut registry = Registry::new();
    let failed_once = Arc::new(AtomicU32::new(0));
    let failing = registry.tally(move |tx, held: Vec<u32>| {
        if failed_once.fetch_add(1, Ordering::SeqCst) == 0 {
            return Err(rusqlite::Error::InvalidQuery);
        }
        write_tally(tx, held)
    });
    // Written after the failing one: its updates were never written, and
    // must not be by a later transaction either.
    let second = registry.tally(|tx, held: Vec<u32>| record_effect(tx, i64::try_from(held.len()).unwrap(), "second"));
    registry.on_tallied(Happened::TYPE, "count", move |_, _| {
        failing.add(1);
        second.add(1);
        Ok(())
    });
    let bus = EventBus::new(db.clone(), registry, policy(3));
    emit_n(&db, 0..20, |_| false);
    // The first batch's write fails: its events go one at a time instead.
    settle(&bus, Duration::from_secs(5));
    assert_eq!(count(&db, TALLIED), 20, "the failed batch's updates were not written by a later one");
    assert_eq!(count(&db, "SELECT coalesce(sum(event_id), 0) FROM effects WHERE handler = 'second'"), 20);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM platform_events WHERE status = 'done'"), 20);
}

#[test]
fn a_handler_that_writes_reads_what_the_tallies_hold() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_db(dir.path());
    let mut registry = counting_registry();
    registry.on(Happened::TYPE, "reader", |tx, _| {
        let seen: i64 = tx.query_row(TALLIED, [], |r| r.get(0))?;
        Ok(record_effect(tx, seen, "seen")?)
    });
    let bus = EventBus::new(db.clone(), registry, policy(2));
    emit_n(&db, 0..30, |_| false);
    settle(&bus, Duration::from_secs(5));
    // Each reader saw every event before it and its own.
    let seen = "SELECT COUNT(DISTINCT event_id) FROM effects WHERE handler = 'seen' AND event_id BETWEEN 1 AND 30";
    assert_eq!(count(&db, seen), 30);
    assert_eq!(count(&db, TALLIED), 30);
}

#[test]
fn the_worker_thread_delivers_as_soon_as_a_transaction_commits() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_db(dir.path());
    let mut registry = Registry::new();
    registry.on(Happened::TYPE, "recorder", |tx, event| Ok(record_effect(tx, event.id, "recorder")?));
    let bus = EventBus::new(db.clone(), registry, policy(3));
    let worker = boptone::events::Worker::start(bus).unwrap();
    emit_n(&db, 0..20, |_| false);
    let deadline = Instant::now() + Duration::from_secs(5);
    while count(&db, "SELECT COUNT(*) FROM effects") < 20 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    worker.shutdown(Duration::from_secs(1));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM effects"), 20);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM platform_events WHERE status = 'done'"), 20);
}

/// A trickle of events, one a millisecond as from a couple of busy
/// connections: the worker lets a few gather before each transaction
/// instead of settling them one per commit as each arrives.
#[test]
fn the_worker_settles_a_trickle_of_events_in_few_transactions() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_db(dir.path());
    let registry = counting_registry();
    let bus = EventBus::new(db.clone(), registry, policy(3));
    let worker = boptone::events::Worker::start(bus).unwrap();
    for n in 0..60 {
        emit_n(&db, n..n + 1, |_| false);
        std::thread::sleep(Duration::from_millis(1));
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while count(&db, TALLIED) < 60 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    worker.shutdown(Duration::from_secs(1));
    assert_eq!(count(&db, TALLIED), 60, "every event counted once");
    let transactions = count(&db, "SELECT COUNT(*) FROM effects WHERE handler = 'tally'");
    assert!(transactions <= 30, "60 events a millisecond apart took {transactions} transactions");
}

const CHILD_ENV: &str = "EVENTS_CRASH_CHILD_DIR";
const CHILD_TEST: &str = "events::crash_child_delivers_slowly";

/// Handlers for the crash test: each holds its transaction open a while, so
/// a kill is likely to land mid-delivery.
fn slow_registry() -> Registry {
    let mut registry = Registry::new();
    for name in ["slow_a", "slow_b"] {
        registry.on(Happened::TYPE, name, move |tx, event| {
            record_effect(tx, event.id, name)?;
            std::thread::sleep(Duration::from_millis(15));
            Ok(())
        });
    }
    registry
}

/// Not a test on its own: the body of the child process that
/// `a_worker_killed_mid_delivery_loses_and_doubles_nothing` starts and kills.
/// Run directly, without the variable, it returns at once.
#[test]
fn crash_child_delivers_slowly() {
    let Ok(dir) = std::env::var(CHILD_ENV) else { return };
    let db = Db::open_migrated(&Path::new(&dir).join("boptone.db")).unwrap();
    let bus = EventBus::new(db, slow_registry(), policy(5));
    loop {
        bus.process_due().unwrap();
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn a_worker_killed_mid_delivery_loses_and_doubles_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_db(dir.path());
    const EVENTS: u32 = 40;
    emit_n(&db, 0..EVENTS, |_| false);

    for round in 0..3 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", CHILD_TEST, "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let target = i64::from(EVENTS) * 2 * (round + 1) / 4;
        let deadline = Instant::now() + Duration::from_secs(20);
        while count(&db, "SELECT COUNT(*) FROM effects") < target && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(3));
        }
        child.kill().unwrap(); // SIGKILL: no chance to finish the transaction
        child.wait().unwrap();
        let doubled =
            count(&db, "SELECT COUNT(*) FROM (SELECT 1 FROM effects GROUP BY event_id, handler HAVING COUNT(*) > 1)");
        assert_eq!(doubled, 0, "round {round}: an effect happened twice");
    }

    // A fresh worker after the crashes finishes the rest.
    let bus = EventBus::new(db.clone(), slow_registry(), policy(5));
    settle(&bus, Duration::from_secs(30));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM effects"), i64::from(EVENTS) * 2, "every handler ran for every event");
    assert_eq!(count(&db, "SELECT COUNT(DISTINCT event_id || handler) FROM effects"), i64::from(EVENTS) * 2);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM platform_events WHERE status = 'done'"), i64::from(EVENTS));
    // Each event records both handlers as run: on the event row when it
    // settled in one go, as handler rows otherwise.
    let unrecorded = "SELECT COUNT(*) FROM platform_events e WHERE
        (SELECT COUNT(*) FROM platform_event_handlers h WHERE h.event_id = e.id)
        + coalesce(length(e.handled) - length(replace(e.handled, ',', '')) + 1, 0) < 2";
    assert_eq!(count(&db, unrecorded), 0);
}
