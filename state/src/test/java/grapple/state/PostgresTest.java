package grapple.state;

import static grapple.state.PostgresFixture.listener;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What only PostgreSQL does: several instances on one database, failures of the server. */
class PostgresTest {
  @RegisterExtension final PostgresFixture postgres = new PostgresFixture();

  private Database open() {
    Database db = Database.open(postgres.location(), Migrations.core());
    postgres.closeAfter(db);
    return db;
  }

  /** The test database's server and user, with another database name or password. */
  private Location.Postgres sameServer(String database, String password) {
    return new Location.Postgres(
        postgres.location().host(),
        postgres.location().port(),
        database,
        null,
        postgres.location().user(),
        password,
        4);
  }

  /** The test database's server and user, with the name of a database that is not there. */
  private Location.Postgres aMissingDatabase() {
    return sameServer("no_such_grapple_db", postgres.location().password());
  }

  /** The test database's server and user, with a password that is not the user's. */
  private Location.Postgres withTheWrongPassword() {
    return sameServer(postgres.location().database(), "not-the-password");
  }

  /** Opening {@code location} fails with a StorageException whose message is one line. */
  private static org.assertj.core.api.AbstractThrowableAssert<?, ? extends Throwable>
      assertThatOpeningFailsOnOneLine(Location location) {
    return assertThatThrownBy(() -> Database.open(location, Migrations.core()))
        .isInstanceOf(StorageException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void aRefusedConnectionStopsTheStartWithOneLineNamingTheDatabase() {
    Location.Postgres nowhere =
        new Location.Postgres("127.0.0.1", 1, "grapple", null, "grapple", "x", 4);

    assertThatOpeningFailsOnOneLine(nowhere)
        .hasMessageStartingWith(
            "database postgresql://grapple@127.0.0.1:1/grapple: cannot connect:")
        .hasMessageContaining("refused");
  }

  @Test
  void aRefusedLoginSaysSoAndNotThePassword() {
    assertThatOpeningFailsOnOneLine(withTheWrongPassword())
        .hasMessageContaining("password authentication failed")
        .hasMessageNotContaining("not-the-password");
  }

  /** The driver names neither setting; the message says which to look at. */
  @Test
  void aRefusedLoginNamesTheSettingsThatGiveIt() {
    assertThatThrownBy(() -> Database.open(withTheWrongPassword(), Migrations.core()))
        .hasMessageContaining("database.user")
        .hasMessageContaining("database.password")
        .hasMessageContaining("GRAPPLE_DATABASE_PASSWORD");
  }

  @Test
  void aMissingDatabaseNamesTheSettingThatNamesIt() {
    assertThatThrownBy(() -> Database.open(aMissingDatabase(), Migrations.core()))
        .hasMessageContaining("database.url");
  }

  /** The driver's own sentence is "The connection attempt failed."; the host is the reason. */
  @Test
  void aHostThatDoesNotResolveIsNamedWithTheReason() {
    Location.Postgres nowhere =
        new Location.Postgres("no-such-host.invalid", 5432, "grapple", null, "grapple", "x", 4);

    assertThatOpeningFailsOnOneLine(nowhere)
        .hasMessageContaining("cannot connect: The connection attempt failed")
        .hasMessageContaining("unknown host no-such-host.invalid")
        .hasMessageContaining("database.url");
  }

  @Test
  void aMissingDatabaseIsNamed() {
    assertThatThrownBy(() -> Database.open(aMissingDatabase(), Migrations.core()))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("no_such_grapple_db")
        .hasMessageContaining("does not exist");
  }

  @Test
  void migratesToTheLatestVersionAndRecordsIt() throws Exception {
    open();

    try (Connection c = TestPostgres.connect(postgres.location());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT version FROM grapple_schema")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getInt(1)).isEqualTo(Migrations.latest());
    }
  }

  @Test
  void instancesStartingTogetherMigrateOnce() throws Exception {
    List<CompletableFuture<Database>> starting = new ArrayList<>();
    for (int i = 0; i < 3; i++)
      starting.add(
          CompletableFuture.supplyAsync(
              () -> Database.open(postgres.location(), Migrations.core())));

    for (CompletableFuture<Database> f : starting) postgres.closeAfter(f.get(30, TimeUnit.SECONDS));

    try (Connection c = TestPostgres.connect(postgres.location());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*), max(version) FROM grapple_schema")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(1);
      assertThat(rs.getInt(2)).isEqualTo(Migrations.latest());
    }
  }

  /**
   * An instance starting while another migrates waits for it however long that takes, not only as
   * long as one answer may take (the driver's socket timeout, here 2 s), after which it failed with
   * the driver's "An I/O error occurred".
   */
  @Test
  void anInstanceStartingWhileAnotherMigratesWaitsForIt() throws Exception {
    Location.Postgres impatient =
        new Location.Postgres(
            postgres.location().host(),
            postgres.location().port(),
            postgres.location().database(),
            postgres.location().parameters() + "&socketTimeout=2",
            postgres.location().user(),
            postgres.location().password(),
            4);
    try (Connection other = TestPostgres.connect(postgres.location());
        Statement s = other.createStatement()) {
      s.execute("SELECT pg_advisory_lock(" + Locks.MIGRATION + ")");
      CompletableFuture<Database> starting =
          CompletableFuture.supplyAsync(() -> Database.open(impatient, Migrations.core()));

      assertThatThrownBy(() -> starting.get(4, TimeUnit.SECONDS))
          .isInstanceOf(java.util.concurrent.TimeoutException.class);
      s.execute("SELECT pg_advisory_unlock(" + Locks.MIGRATION + ")");
      postgres.closeAfter(starting.get(30, TimeUnit.SECONDS));
    }
  }

  @Test
  void refusesASchemaNewerThanThisGrapple() throws Exception {
    Database.open(postgres.location(), Migrations.core()).close();
    try (Connection c = TestPostgres.connect(postgres.location());
        Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE grapple_schema SET version = 99");
    }

    assertThatThrownBy(() -> Database.open(postgres.location(), Migrations.core()))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining(
            "schema version 99, newer than this Grapple understands (" + Migrations.latest() + ")");
  }

  @Test
  void aFailedStepIsUndoneAndNamed() throws Exception {
    List<Migration> steps = new ArrayList<>(Migrations.core());
    steps.add(
        new Migration(
            steps.size() + 1, "a broken step", "CREATE TABLE ok (x INTEGER);\nCREATE TABLE (;\n"));

    assertThatThrownBy(() -> Database.open(postgres.location(), steps))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("schema step " + steps.size() + " (a broken step) failed");

    try (Connection c = TestPostgres.connect(postgres.location());
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT version, to_regclass('ok') IS NULL FROM grapple_schema")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(Migrations.latest());
      assertThat(rs.getBoolean(2)).isTrue();
    }
  }

  /**
   * A step whose connection was ended (the server restarted, an administrator ended the session)
   * was reported as "cannot migrate: This connection has been closed.": the ROLLBACK after the
   * failure, and then the unlock, failed on the dead connection in turn, each hiding the failure
   * before it, so neither the step nor the reason was said.
   */
  @Test
  void aStepWhoseConnectionEndsIsNamedWithTheReason() throws Exception {
    List<Migration> steps = new ArrayList<>(Migrations.core());
    steps.add(new Migration(steps.size() + 1, "a slow step", "SELECT 'slow step', pg_sleep(30)"));
    CompletableFuture<Void> ended =
        CompletableFuture.runAsync(
            () ->
                untilTheServerShows(
                    "the slow step, to end it",
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        + " WHERE query LIKE 'SELECT ''slow step''%'"
                        + " AND pid <> pg_backend_pid() AND datname = current_database()"));

    assertThatThrownBy(() -> Database.open(postgres.location(), steps))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("schema step " + steps.size() + " (a slow step) failed: ")
        .hasMessageContaining("terminating connection due to administrator command");
    ended.get(20, TimeUnit.SECONDS);
  }

  @Test
  void anAnnouncementIsHeardByAnotherInstanceOnlyOnceTheWriteCommits() throws Exception {
    Database writer = open();
    java.util.concurrent.BlockingQueue<String> topics = topicsHeardBy(open());

    writer
        .write(
            c -> {
              writer.announce("rolled-back");
              throw new java.sql.SQLException("undone");
            })
        .handle((v, e) -> null)
        .join();
    announceCommitted(writer, "outbox");

    assertThat(topics.poll(5, TimeUnit.SECONDS)).isEqualTo("outbox");
    assertThat(topics).isEmpty();
  }

  @Test
  void theListenerThreadSurvivesAnErrorFromAListenerAndGoesOnHearing() throws Exception {
    Database writer = open();
    Database other = open();
    java.util.concurrent.BlockingQueue<String> heard =
        new java.util.concurrent.LinkedBlockingQueue<>();
    CountDownLatch thrown = new CountDownLatch(1);
    other.onAnnouncement(
        "outbox",
        () -> {
          if (thrown.getCount() > 0) {
            thrown.countDown();
            throw new StackOverflowError("a bad moment");
          }
          heard.add("outbox");
        });
    assertThat(thrown.await(10, TimeUnit.SECONDS)).isTrue();

    announceCommitted(writer, "outbox");

    assertThat(heard.poll(15, TimeUnit.SECONDS)).isEqualTo("outbox");
    assertThat(other.listenerAlive()).isTrue();
  }

  @Test
  void theWriterConnectsAgainAfterItsSessionIsKilled() throws Exception {
    Database db = open();
    KeyValueStore kv = new KeyValueStore(db);
    int pid =
        db.writeAndWait(
            c -> {
              try (Statement s = c.createStatement();
                  ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                return rs.getInt(1);
              }
            });
    try (Connection c = TestPostgres.connect(postgres.location());
        Statement s = c.createStatement()) {
      s.execute("SELECT pg_terminate_backend(" + pid + ")");
    }

    // The first write after may fail (its connection is gone); the writer connects anew for the
    // next.
    db.write(c -> KeyValueStore.put(c, "lost?", "maybe")).handle((v, e) -> null).join();
    kv.put("after", "yes");

    assertThat(kv.get("after")).contains("yes");
  }

  /**
   * After PostgreSQL restarts (here: the writer's session ended while idle) the database is back:
   * the next write goes through on a new connection instead of failing (a webhook answered 500).
   */
  @Test
  void theFirstWriteAfterTheWritersIdleSessionEndedSucceeds() throws Exception {
    Database db = open();
    KeyValueStore kv = new KeyValueStore(db);
    kv.put("before", "yes");
    try (Connection c = TestPostgres.connect(postgres.location());
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000))"
                    + " FROM pg_stat_activity WHERE application_name = 'grapple writer'"
                    + " AND datname = current_database()")) {
      rs.next();
      assertThat(rs.getInt(1)).as("writer sessions ended").isEqualTo(1);
    }

    kv.put("after", "yes");

    assertThat(kv.get("after")).contains("yes");
  }

  @Test
  void exactlyOneInstanceLeadsAndAnotherTakesOverWhenItGoes() throws Exception {
    Database a = open();
    Database b = open();
    CountDownLatch bLeads = new CountDownLatch(1);
    Leadership first = postgres.leading(a, new CountDownLatch(1));
    Leadership second = postgres.lead(b, listener(bLeads, new CountDownLatch(1)));

    until(
        "two tries for the lock by the second instance, or its election",
        () -> second.rounds() >= 2 || bLeads.getCount() == 0);
    assertThat(bLeads.getCount()).as("the second instance was elected").isEqualTo(1);
    assertThat(first.leading()).isTrue();
    assertThat(second.leading()).isFalse();

    long released = System.nanoTime();
    first.close();

    assertThat(bLeads.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - released)).isLessThan(10_000);
    assertThat(second.leading()).isTrue();
  }

  @Test
  void aLeaderWhoseSessionIsKilledIsToldItLostAndAnotherLeads() throws Exception {
    Database a = open();
    Database b = open();
    CountDownLatch aLost = new CountDownLatch(1);
    Leadership first = postgres.leading(a, aLost);
    CountDownLatch bLeads = standsForElection(b);

    endTheLeaderSession();

    assertThat(aLost.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(first.leading()).isFalse();
    assertThat(bLeads.await(10, TimeUnit.SECONDS)).isTrue();
  }

  /**
   * A leader whose process is stopped (SIGSTOP) or frozen sends nothing, while its kernel still
   * answers the server's keepalives: here the relay's kernel answers them, and the relay passes
   * nothing on and keeps the server's side open. The server ends the idle lock session by itself
   * and another instance leads; before, the lock stayed held, and no instance led, for as long as
   * the leader stayed frozen.
   */
  @Test
  void aFrozenLeadersLockIsFreedByTheServerAndAnotherLeads() throws Exception {
    Relayed a = throughARelay();
    Database b = open();
    Leadership first = postgres.leading(a.db(), new CountDownLatch(1));
    postgres.closeAfter(a.proxy());
    assertThat(first.leading()).isTrue();
    // Frozen before it checked its lock is aLeaderFrozenAsItStartsLeading...'s case; here it leads.
    awaitTheLeadersLockChecked();
    CountDownLatch bLeads = standsForElection(b);

    long frozen = System.nanoTime();
    a.proxy().freeze();

    anotherLeadsWithinTheIdleLimit(bLeads, frozen, 4);
  }

  /**
   * A leader frozen between winning the election and the end of its start (a GC pause, SIGSTOP):
   * its lock session must already have its idle limit, or the server keeps it, and the lock, for as
   * long as the process stays frozen, and no instance leads. Before, the limit was set only after
   * the listener returned, so a leader frozen in that window held the lock for good.
   */
  @Test
  void aLeaderFrozenAsItStartsLeadingHasItsLockFreedByTheServerAndAnotherLeads() throws Exception {
    Relayed a = throughARelay();
    Database b = open();
    CountDownLatch aFrozen = new CountDownLatch(1);
    postgres.lead(
        a.db(),
        listener(
            () -> {
              a.proxy().freeze();
              aFrozen.countDown();
            },
            new CountDownLatch(1)));
    postgres.closeAfter(a.proxy());
    assertThat(aFrozen.await(10, TimeUnit.SECONDS)).as("elected, then frozen").isTrue();
    long frozen = System.nanoTime();
    CountDownLatch bLeads = standsForElection(b);

    anotherLeadsWithinTheIdleLimit(bLeads, frozen, 4);
  }

  /**
   * A leader frozen in the middle of a leader-only write holds the leader term's row (the new
   * leader's election waits for that write): its writer's session is idle in a transaction, which
   * the server ends after the idle limit, as it ends the frozen lock session, and another instance
   * leads. Before, nothing ended it (the frozen machine's kernel answers keepalives): every other
   * instance's election failed on the row, and none led for as long as the leader stayed frozen.
   */
  @Test
  void aLeaderFrozenInTheMiddleOfALeaderOnlyWriteLetsAnotherLead() throws Exception {
    Relayed a = throughARelay();
    Database b = open();
    postgres.leading(a.db(), new CountDownLatch(1));
    postgres.closeAfter(a.proxy());
    CountDownLatch checked = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    postgres.closeAfter(release::countDown);
    a.db()
        .write(
            a.db()
                .asLeader(
                    c -> {
                      checked.countDown();
                      await(release, 30);
                      return null;
                    }));
    assertThat(checked.await(10, TimeUnit.SECONDS)).isTrue();

    long frozen = System.nanoTime();
    a.proxy().freeze();
    CountDownLatch bLeads = standsForElection(b);

    anotherLeadsWithinTheIdleLimit(bLeads, frozen, 5);
  }

  /**
   * Starting to lead may take longer than the idle limit (reading the change log, the outbox): the
   * lock session is kept busy meanwhile, so a leader that is slow to start, not frozen, keeps the
   * lock.
   */
  @Test
  void aLeaderSlowerToStartThanTheIdleLimitKeepsTheLock() throws Exception {
    Database a = open();
    Database b = open();
    CountDownLatch aLost = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    Leadership first =
        postgres.lead(
            a,
            listener(
                () -> {
                  try {
                    Thread.sleep((Leadership.IDLE_SESSION_SECONDS + 2) * 1_000);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  started.countDown();
                },
                aLost));
    assertThat(started.await(Leadership.IDLE_SESSION_SECONDS + 10, TimeUnit.SECONDS)).isTrue();
    long startedAfter = first.rounds();
    CountDownLatch bLeads = new CountDownLatch(1);
    Leadership second = postgres.lead(b, listener(bLeads, new CountDownLatch(1)));

    // A check of its lock by the slow leader once it started (or its loss), and two tries by the
    // other.
    until(
        "a check by the leader and two tries by the other",
        () ->
            (first.rounds() >= startedAfter + 2 || aLost.getCount() == 0)
                && (second.rounds() >= 2 || bLeads.getCount() == 0));
    assertThat(bLeads.getCount()).as("another instance leads").isEqualTo(1);
    assertThat(aLost.getCount()).as("the slow leader lost").isEqualTo(1);
    assertThat(first.leading()).isTrue();
  }

  /**
   * A leader cut off from the database (no reset, no close: a partition) must stop before the
   * server can free its lock for another: the server's keepalives take about 5 s (2 s of quiet,
   * then three probes a second apart), so the old leader has to notice sooner than that, not after
   * the driver's minute-long socket timeout while a new leader already delivers.
   */
  @Test
  void aLeaderCutOffFromTheDatabaseStopsBeforeTheServerCouldFreeItsLock() throws Exception {
    Relayed a = throughARelay();
    Database b = open();
    CountDownLatch aLost = new CountDownLatch(1);
    Leadership first = postgres.leading(a.db(), aLost);
    postgres.closeAfter(a.proxy()); // closed first: what is still waiting on it fails at once
    CountDownLatch bLeads = standsForElection(b);

    long cut = System.nanoTime();
    a.proxy().cutOff();

    assertThat(aLost.await(6, TimeUnit.SECONDS)).as("the cut-off leader noticed").isTrue();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cut))
        .as("ms until the cut-off leader stopped")
        .isLessThan(4_500);
    assertThat(first.leading()).isFalse();

    // What the server does once its keepalives go unanswered: the session ends, the lock is free.
    try (Connection c = TestPostgres.connect(postgres.location());
        Statement s = c.createStatement()) {
      s.execute(
          "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted"
              + " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
    }
    assertThat(bLeads.await(10, TimeUnit.SECONDS)).isTrue();
  }

  /**
   * A database whose writer goes through {@code proxy}; the driver sends each statement's text
   * every time (no server-prepared statements), so the proxy can tell a COMMIT.
   */
  /**
   * A database reached through {@code proxy}, which a test cuts off, with one row written first.
   */
  private record CutOff(CutOffProxy proxy, Database db, KeyValueStore kv) {
    /**
     * Writes {@code hook = message}, the connection hanging up at the batch's COMMIT ({@code
     * delivered}: once the server has it, else before); {@code first} runs in the write before.
     */
    CompletableFuture<Integer> writeHangingUpAtCommit(boolean delivered, Runnable first) {
      return db.write(
          c -> {
            first.run();
            // On the writer's connection: the one that sends this write's own row.
            proxy.hangUpAt("COMMIT", delivered, "message");
            return KeyValueStore.put(c, "hook", "message");
          });
    }
  }

  /** Listens on {@code db}'s backend; once it listens, the topics it hears, in order. */
  private static java.util.concurrent.BlockingQueue<String> topicsHeardBy(Database db)
      throws InterruptedException {
    java.util.concurrent.BlockingQueue<String> topics =
        new java.util.concurrent.LinkedBlockingQueue<>();
    CountDownLatch listening = new CountDownLatch(1);
    db.backend()
        .listen(
            topic -> {
              if (topic == null) listening.countDown();
              else topics.add(topic);
            });
    assertThat(listening.await(10, TimeUnit.SECONDS)).isTrue();
    return topics;
  }

  /** A relay to the test database's server, which a test freezes, cuts off or takes down. */
  private CutOffProxy relay() throws java.io.IOException {
    return new CutOffProxy(postgres.location().host(), postgres.location().port());
  }

  /** An instance whose every connection goes through {@code proxy}. */
  private record Relayed(CutOffProxy proxy, Database db) {}

  /**
   * An instance reached through a relay of its own, as the driver sends by default; its database is
   * closed after the test, its relay when the test says.
   */
  private Relayed throughARelay() throws java.io.IOException {
    CutOffProxy proxy = relay();
    Database db = Database.open(proxy.in(postgres.location()), Migrations.core());
    postgres.closeAfter(db);
    return new Relayed(proxy, db);
  }

  /**
   * {@code bLeads} counts down within the server's idle limit and {@code slackSeconds} of {@code
   * frozen} (a System.nanoTime()).
   */
  private static void anotherLeadsWithinTheIdleLimit(
      CountDownLatch bLeads, long frozen, int slackSeconds) throws InterruptedException {
    assertThat(bLeads.await(Leadership.IDLE_SESSION_SECONDS + 10, TimeUnit.SECONDS))
        .as("another instance leads")
        .isTrue();
    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - frozen))
        .as("s until another led")
        .isLessThan(Leadership.IDLE_SESSION_SECONDS + slackSeconds);
  }

  /** {@code kv} stores and reads a new row. */
  private static void takesWritesAgain(KeyValueStore kv) {
    kv.put("after", "yes");
    assertThat(kv.get("after")).contains("yes");
  }

  private CutOff cutOff() throws java.io.IOException {
    CutOffProxy proxy = relay();
    Database db = openThrough(proxy);
    KeyValueStore kv = new KeyValueStore(db);
    kv.put("before", "yes");
    return new CutOff(proxy, db, kv);
  }

  private Database openThrough(CutOffProxy proxy) {
    Location.Postgres plain = CutOffProxy.sentAsText(postgres.location(), 4);
    Database db = Database.open(proxy.in(plain), Migrations.core());
    postgres.closeAfter(db);
    postgres.closeAfter(proxy); // closed first: what still waits on it fails at once
    return db;
  }

  /**
   * The connection breaks once the server has the COMMIT and before its answer arrives: the batch
   * did commit, so its writes are reported done (their after-commit actions run), not failed. A
   * webhook told 503 here would be sent again, and its message posted twice.
   */
  @Test
  void aWriteWhoseCommitsAnswerWasLostWithTheConnectionIsReportedCommitted() throws Exception {
    CutOff cut = cutOff();
    KeyValueStore kv = cut.kv();
    AtomicBoolean toldCommitted = new AtomicBoolean();

    CompletableFuture<Integer> write =
        cut.writeHangingUpAtCommit(true, () -> cut.db().afterCommit(() -> toldCommitted.set(true)));

    assertThat(write.get(30, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(toldCommitted).isTrue();
    assertThat(kv.get("hook")).contains("message");
    takesWritesAgain(kv);
  }

  /**
   * The COMMIT's answer is lost as PostgreSQL goes away for a moment (a restart): the instance
   * tries again to ask whether it committed, rather than reporting it failed at the first refusal.
   */
  @Test
  void aCommitsOutcomeIsAskedForAgainUntilTheDatabaseIsBack() throws Exception {
    CutOff cut = cutOff();
    CutOffProxy proxy = cut.proxy();
    KeyValueStore kv = cut.kv();

    CompletableFuture<Integer> write = cut.writeHangingUpAtCommit(true, proxy::refuseNew);
    assertThat(proxy.awaitRefused(java.time.Duration.ofSeconds(10)))
        .as("connections refused while down")
        .isTrue();
    proxy.back();

    assertThat(write.get(30, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(kv.get("hook")).contains("message");
  }

  /**
   * A COMMIT that never reached the server, whose session waits on in its transaction: that session
   * is ended, so the writes are reported failed and can never commit later; they are not there.
   */
  @Test
  void aWriteWhoseCommitNeverArrivedIsReportedFailed() throws Exception {
    CutOff cut = cutOff();
    KeyValueStore kv = cut.kv();

    CompletableFuture<Integer> write = cut.writeHangingUpAtCommit(false, () -> {});

    assertThatThrownBy(() -> write.get(30, TimeUnit.SECONDS))
        .hasCauseInstanceOf(StorageException.class);
    assertThat(kv.get("hook")).isEmpty();
    takesWritesAgain(kv);
  }

  /**
   * A session whose COMMIT went unanswered may end by itself, and PostgreSQL give its process id to
   * a new session (another instance's, another program's), before the instance ends it: only a
   * session still running that transaction is ended, never another that has its process id now.
   * Here a session runs the transaction and another has the process id the instance holds.
   */
  @Test
  void aCommitsOutcomeEndsOnlyTheSessionStillRunningItNotAnotherWithItsProcessId()
      throws Exception {
    Database db = open();
    PostgresBackend backend = (PostgresBackend) db.backend();
    try (Connection running = TestPostgres.connect(postgres.location());
        Connection other = TestPostgres.connect(postgres.location())) {
      running.setAutoCommit(false);
      Backend.Committing commit =
          new Backend.Committing(number(running, "SELECT txid_current()"), (int) pid(other));

      Backend.Outcome outcome = db.writeAndWait(c -> backend.committed(commit));

      assertThat(other.isValid(5)).as("the session that has the process id now").isTrue();
      assertThat(outcome).isEqualTo(Backend.Outcome.UNKNOWN);
    }
  }

  /** A session still running the transaction is ended, found by its process id and transaction. */
  @Test
  void aCommitsOutcomeEndsTheSessionStillRunningItAndTheTransactionWithIt() throws Exception {
    Database db = open();
    PostgresBackend backend = (PostgresBackend) db.backend();
    try (Connection running = TestPostgres.connect(postgres.location())) {
      running.setAutoCommit(false);
      Backend.Committing commit =
          new Backend.Committing(number(running, "SELECT txid_current()"), (int) pid(running));

      Backend.Outcome outcome = db.writeAndWait(c -> backend.committed(commit));

      assertThat(running.isValid(5)).isFalse();
      assertThat(outcome).isEqualTo(Backend.Outcome.NOT_COMMITTED);
    }
  }

  private static long number(Connection c, String sql) throws java.sql.SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static long pid(Connection c) throws java.sql.SQLException {
    return number(c, "SELECT pg_backend_pid()");
  }

  /**
   * The COMMIT's answer is lost and PostgreSQL stays away longer than the instance asks: the write
   * may well be stored (here it is), so it is not reported as failed, which a webhook would answer
   * "nothing was accepted" and have sent again, but as of unknown outcome.
   */
  @Test
  void aWriteWhoseCommitsOutcomeCannotBeLearntIsReportedAsMaybeStored() throws Exception {
    CutOff cut = cutOff();
    CutOffProxy proxy = cut.proxy();

    CompletableFuture<Integer> write = cut.writeHangingUpAtCommit(true, proxy::refuseNew);

    Throwable thrown =
        org.assertj.core.api.Assertions.catchThrowable(() -> write.get(60, TimeUnit.SECONDS))
            .getCause();
    assertThat(thrown)
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("may have been stored");
    assertThat(((StorageException) thrown).outcomeUnknown()).isTrue();
    proxy.back();
    untilItWorks(() -> cut.kv().get("hook"));
    assertThat(cut.kv().get("hook")).contains("message");
  }

  /**
   * A message queued while PostgreSQL is down fails (the write cannot begin); once it is back, the
   * messages and deliveries queued next are written, not left waiting for a write that never comes.
   */
  @Test
  void theOutboxWritesAgainOnceTheDatabaseIsBackAfterAWriteThatCouldNotBegin() throws Exception {
    CutOffProxy proxy = relay();
    Database db = openThrough(proxy);
    OutboxStore outbox = new OutboxStore(db);
    outbox.enqueue(draft("!before:x")).get(10, TimeUnit.SECONDS);
    long first = outbox.pending().get(0).seq();

    proxy.down();
    assertThatThrownBy(() -> outbox.enqueue(draft("!down:x")).get(30, TimeUnit.SECONDS))
        .hasCauseInstanceOf(StorageException.class);
    assertThatThrownBy(() -> outbox.delivered(first).get(30, TimeUnit.SECONDS))
        .hasCauseInstanceOf(StorageException.class);
    proxy.back();

    untilItWorks(() -> outbox.enqueue(draft("!after:x")).get(5, TimeUnit.SECONDS));
    untilItWorks(() -> outbox.delivered(first).get(5, TimeUnit.SECONDS));
    assertThat(outbox.pending()).extracting(OutboxStore.Entry::target).containsExactly("!after:x");
  }

  private static OutboxStore.Draft draft(String room) {
    return new OutboxStore.Draft(room, "m.room.message", Json.object().put("body", room));
  }

  /**
   * Runs {@code attempt} until it does not fail with a StorageException (the writer waits a second
   * after a failed connect before it tries again); a hang fails the test at once.
   */
  private static void untilItWorks(java.util.concurrent.Callable<?> attempt) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (true) {
      try {
        attempt.call();
        return;
      } catch (java.util.concurrent.ExecutionException e) {
        if (!(e.getCause() instanceof StorageException) || System.nanoTime() > until) throw e;
        Thread.sleep(200);
      }
    }
  }

  /**
   * One instance's transaction adds to the outbox and then to the change log while another's adds
   * to the change log and then to the outbox (a webhook and an API call on a follower, a member
   * change and a reply on the leader): both commit, neither is chosen as a deadlock's victim.
   */
  @Test
  void outboxAndChangeLogWritesOfTwoInstancesInEitherOrderDoNotDeadlock() throws Exception {
    Database a = open();
    Database b = open();
    OutboxStore outboxA = new OutboxStore(a);
    OutboxStore outboxB = new OutboxStore(b);
    ChangeLog changesA = ChangeLog.of(a);
    ChangeLog changesB = ChangeLog.of(b);
    List<OutboxStore.Draft> reply =
        List.of(new OutboxStore.Draft("!room:test", "m.room.message", Json.object()));
    CountDownLatch aAddedToTheOutbox = new CountDownLatch(1);
    CountDownLatch bAddedToTheChangeLog = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);

    // a: the outbox first, then the change log, in one transaction (its writer is held until
    // both are queued, so they share a batch).
    CompletableFuture<Object> held = a.write(c -> await(release));
    CompletableFuture<List<OutboxStore.Entry>> aOutbox = outboxA.enqueue(reply);
    CompletableFuture<Object> aChange =
        a.write(
            c -> {
              aAddedToTheOutbox.countDown();
              await(bAddedToTheChangeLog);
              changesA.connectionsChanged(c, "!room:test");
              return null;
            });
    release.countDown();
    held.join();
    // b: the change log first, then the outbox.
    CompletableFuture<List<OutboxStore.Entry>> bBoth =
        outboxB.enqueue(
            reply,
            c -> {
              await(aAddedToTheOutbox);
              changesB.connectionsChanged(c, "!room:test");
              bAddedToTheChangeLog.countDown();
              return null;
            });

    assertThat(aOutbox.get(20, TimeUnit.SECONDS)).hasSize(1);
    aChange.get(20, TimeUnit.SECONDS);
    assertThat(bBoth.get(20, TimeUnit.SECONDS)).hasSize(1);
    assertThat(changesA.after(0, 10)).hasSize(2);
  }

  /**
   * A leader that fails to start what it leads (the sync, delivery) must not keep the lock: every
   * other instance would wait for it for good while nobody syncs. The same when starting throws an
   * Error (a service's class failing to initialise): the election thread died of it, holding the
   * lock, and no instance led again.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("failedStarts")
  void aLeaderThatFailsToStartLetsAnotherLead(Runnable failedStart) throws Exception {
    Database a = open();
    Database b = open();
    CountDownLatch aElected = new CountDownLatch(1);
    CountDownLatch aLost = new CountDownLatch(1);
    Leadership first =
        postgres.lead(
            a,
            listener(
                () -> {
                  aElected.countDown();
                  failedStart.run();
                },
                aLost));
    assertThat(aElected.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(aLost.await(10, TimeUnit.SECONDS)).isTrue();
    CountDownLatch bLeads = standsForElection(b);

    assertThat(bLeads.await(10, TimeUnit.SECONDS)).as("another instance leads").isTrue();
    assertThat(first.leading()).isFalse();
  }

  static Stream<Named<Runnable>> failedStarts() {
    return Stream.of(
        Named.of(
            "an exception",
            () -> {
              throw new IllegalStateException("the sync did not start");
            }),
        Named.of(
            "an Error",
            () -> {
              throw new ExceptionInInitializerError("a service's class did not initialise");
            }));
  }

  /**
   * Waits until the leader has checked its lock once (its session's last statement reads pg_locks):
   * it sets the session's idle limit before that.
   */
  private void awaitTheLeadersLockChecked() {
    untilTheServerShows(
        "the leader's check of its lock",
        "SELECT pid FROM pg_stat_activity"
            + " WHERE application_name = 'grapple leader election'"
            + " AND query LIKE 'SELECT count(*) FROM pg_locks%'"
            + " AND datname = current_database()");
  }

  /**
   * Runs {@code query} on a session of its own until it returns a row: what the server's other
   * sessions do is seen only by asking it.
   */
  private void untilTheServerShows(String what, String query) {
    try (Connection c = TestPostgres.connect(postgres.location());
        Statement s = c.createStatement()) {
      until(
          "the server to show " + what,
          () -> {
            try (ResultSet rs = s.executeQuery(query)) {
              return rs.next();
            }
          });
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Something another thread or session brings about, asked again until it holds. */
  private interface Check {
    boolean holds() throws Exception;
  }

  /**
   * Waits, polling, for {@code check} to hold; fails naming {@code what} after 20 s.
   * (grapple.testing.Await cannot be used here: that module depends on this one.)
   */
  private static void until(String what, Check check) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    try {
      while (!check.holds()) {
        if (System.nanoTime() > deadline)
          throw new AssertionError("waited 20 s for " + what + " in vain");
        Thread.sleep(50);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for " + what, e);
    } catch (Exception e) {
      throw new IllegalStateException("waiting for " + what, e);
    }
  }

  /** What the test database's server does to a frozen leader: ends its lock session. */
  private void endTheLeaderSession() throws Exception {
    try (Connection c = TestPostgres.connect(postgres.location());
        Statement s = c.createStatement()) {
      s.execute(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'grapple leader election'"
              + " AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)"
              + " AND datname = current_database()");
    }
  }

  /**
   * Another instance was elected, and this leader has not yet heard that it lost (it was frozen;
   * its check of the lock comes a second later): its next leader-only write does not commit, and it
   * is told at once that it no longer leads.
   */
  @Test
  void aLeaderOnlyWriteOfASupersededLeaderFailsAndItStopsLeading() throws Exception {
    Database a = open();
    CountDownLatch aLost = new CountDownLatch(1);
    Leadership first = postgres.leading(a, aLost);
    KeyValueStore kv = new KeyValueStore(a);
    a.writeAndWait(a.asLeader(c -> KeyValueStore.put(c, "before", "yes")));

    try (Connection c = TestPostgres.connect(postgres.location());
        Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE kv SET value = (value::bigint + 1)::text WHERE key = 'leader.term'");
    }

    assertThatThrownBy(() -> a.writeAndWait(a.asLeader(c -> KeyValueStore.put(c, "after", "yes"))))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("a leader-only write was refused: another instance was elected");
    assertThat(kv.get("before")).contains("yes");
    assertThat(kv.get("after")).isEmpty();
    assertThat(aLost.await(900, TimeUnit.MILLISECONDS)).as("told it lost").isTrue();
    assertThat(first.leading()).isFalse();
    kv.put("any instance's", "yes");
    assertThat(kv.get("any instance's")).contains("yes");
  }

  /**
   * The leader term edited by hand into something not a number: the leader's next leader-only write
   * is refused and it stops leading (not a NumberFormatException at every write), and the next
   * election replaces the term with a number (not a cast failing at every election, nobody
   * leading).
   */
  @Test
  void aLeaderTermEditedIntoSomethingNotANumberDeposesTheLeaderAndIsReplacedAtTheNextElection()
      throws Exception {
    Database a = open();
    CountDownLatch aLost = new CountDownLatch(1);
    postgres.leading(a, aLost);
    setTheLeaderTerm("three");

    assertThatThrownBy(() -> a.writeAndWait(a.asLeader(c -> KeyValueStore.put(c, "after", "yes"))))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("a leader-only write was refused: another instance was elected")
        .hasMessageContaining("three");
    assertThat(aLost.await(900, TimeUnit.MILLISECONDS)).as("told it lost").isTrue();

    Database b = open();
    assertThat(standsForElection(b).await(10, TimeUnit.SECONDS)).as("another leads").isTrue();
    assertThat(new KeyValueStore(b).get("leader.term"))
        .hasValueSatisfying(t -> assertThat(t).containsOnlyDigits());
    b.writeAndWait(b.asLeader(c -> KeyValueStore.put(c, "from the new leader", "yes")));
  }

  /** A hand edit of the leader term, as an operator might make one. */
  private void setTheLeaderTerm(String value) throws Exception {
    try (Connection c = TestPostgres.connect(postgres.location());
        PreparedStatement s =
            c.prepareStatement("UPDATE kv SET value = ? WHERE key = 'leader.term'")) {
      s.setString(1, value);
      assertThat(s.executeUpdate()).isEqualTo(1);
    }
  }

  /**
   * The leader's session ended while one of its leader-only writes was under way, past its check:
   * that write commits, and another instance starts leading only after it, so it sees the write
   * (not, say, a feed item left unseen that the old leader has just posted).
   */
  @Test
  void aNewLeaderStartsOnlyOnceTheOldLeadersWriteUnderWayHasCommitted() throws Exception {
    Database a = open();
    Database b = open();
    CountDownLatch aLost = new CountDownLatch(1);
    Leadership first = postgres.leading(a, aLost);
    CountDownLatch checked = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<Integer> underWay =
        a.write(
            a.asLeader(
                c -> {
                  checked.countDown();
                  if (!await(release, 30)) throw new IllegalStateException("not released");
                  return KeyValueStore.put(c, "from the old leader", "yes");
                }));
    assertThat(checked.await(10, TimeUnit.SECONDS)).isTrue();

    endTheLeaderSession();
    CountDownLatch bLeads = new CountDownLatch(1);
    List<String> seenOnElection = new java.util.concurrent.CopyOnWriteArrayList<>();
    postgres.lead(
        b,
        listener(
            () -> {
              new KeyValueStore(b).get("from the old leader").ifPresent(seenOnElection::add);
              bLeads.countDown();
            },
            new CountDownLatch(1)));

    // It took the lock and waits to write its term, behind the old leader's write under way.
    untilTheServerShows(
        "the new leader's election waiting for the old leader's write",
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'grapple leader election'"
            + " AND wait_event_type = 'Lock' AND datname = current_database()");
    assertThat(bLeads.getCount())
        .as("elected while the old leader's write was under way")
        .isEqualTo(1);
    release.countDown();
    assertThat(underWay.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(bLeads.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(seenOnElection).containsExactly("yes");
    assertThat(aLost.await(10, TimeUnit.SECONDS)).as("the old leader was told it lost").isTrue();
    assertThat(first.leading()).isFalse();
  }

  /**
   * Leader-only writes share one transaction with the batch's other writes, each in a savepoint.
   * One that passed its check keeps the term's row locked until the batch commits, even when a
   * later leader-only write of the same batch fails and is rolled back to its savepoint (its own
   * check found the row locked by this transaction already); one that failed and was rolled back
   * holds nothing, so it never holds up an election.
   */
  @Test
  void aFailedLeaderOnlyWriteInABatchUndoesOnlyItselfAndTheCheckThatPassedStillHoldsTheTerm()
      throws Exception {
    Database a = open();
    postgres.leading(a, new CountDownLatch(1));

    // Passed, then a failed one, in one batch: the term stays locked until the batch ends.
    CountDownLatch hold = new CountDownLatch(1);
    CountDownLatch held = new CountDownLatch(1);
    List<CompletableFuture<?>> batch =
        inOneBatch(
            a,
            a.asLeader(c -> KeyValueStore.put(c, "passed", "yes")),
            a.asLeader(
                c -> {
                  KeyValueStore.put(c, "failed", "yes");
                  throw new IllegalStateException("this write fails after its check");
                }),
            blockedUntil(held, hold));
    assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(bumpWithin(300)).as("a new term while the batch is under way").isFalse();
    hold.countDown();
    CompletableFuture.allOf(batch.get(0), batch.get(2)).get(10, TimeUnit.SECONDS);
    assertThat(batch.get(1)).isCompletedExceptionally();
    KeyValueStore kv = new KeyValueStore(a);
    assertThat(kv.get("passed")).contains("yes");
    assertThat(kv.get("failed")).isEmpty();

    // Only a failed one (rolled back to its savepoint): nothing is held, an election goes on.
    CountDownLatch hold2 = new CountDownLatch(1);
    CountDownLatch held2 = new CountDownLatch(1);
    List<CompletableFuture<?>> second =
        inOneBatch(
            a,
            a.asLeader(
                c -> {
                  throw new IllegalStateException("this write fails after its check");
                }),
            blockedUntil(held2, hold2));
    assertThat(held2.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(bumpWithin(5_000))
        .as("a new term while only a failed write's batch is open")
        .isTrue();
    hold2.countDown();
    second.get(1).get(10, TimeUnit.SECONDS);
    assertThat(second.get(0)).isCompletedExceptionally();
  }

  /**
   * Queues {@code works} so that the writer runs them in one batch (one transaction): it is kept
   * busy until all are queued.
   */
  private static List<CompletableFuture<?>> inOneBatch(Database db, SqlWork<?>... works)
      throws Exception {
    CountDownLatch busy = new CountDownLatch(1);
    CountDownLatch queued = new CountDownLatch(1);
    CompletableFuture<?> before = db.write(blockedUntil(busy, queued));
    assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();
    List<CompletableFuture<?>> out = new ArrayList<>();
    for (SqlWork<?> work : works) out.add(db.write(work));
    queued.countDown();
    before.get(10, TimeUnit.SECONDS);
    return out;
  }

  /** Starts {@code db} trying for leadership; the latch opens once it leads. */
  private CountDownLatch standsForElection(Database db) {
    CountDownLatch leads = new CountDownLatch(1);
    postgres.lead(db, listener(leads, new CountDownLatch(1)));
    return leads;
  }

  /** Work that opens {@code started}, then waits (30 s at most) for {@code release} to open. */
  private static SqlWork<Void> blockedUntil(CountDownLatch started, CountDownLatch release) {
    return c -> {
      started.countDown();
      if (!await(release, 30)) throw new IllegalStateException("not released");
      return null;
    };
  }

  /** Announces {@code topic} from a write of {@code db}, returning once that write commits. */
  private static void announceCommitted(Database db, String topic) {
    db.writeAndWait(
        c -> {
          db.announce(topic);
          return null;
        });
  }

  /** Another instance's election bump of the term, waiting at most {@code millis}: done or not. */
  private boolean bumpWithin(int millis) throws Exception {
    try (Connection c = TestPostgres.connect(postgres.location());
        Statement s = c.createStatement()) {
      s.execute("SET lock_timeout = " + millis);
      s.executeUpdate("UPDATE kv SET value = (value::bigint + 1)::text WHERE key = 'leader.term'");
      return true;
    } catch (java.sql.SQLException e) {
      if (!"55P03".equals(e.getSQLState())) throw e;
      return false;
    }
  }

  private static boolean await(CountDownLatch latch, int seconds) {
    try {
      return latch.await(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Waits up to 3 s (not longer: a lock may keep the other side from counting down). */
  private static boolean await(CountDownLatch latch) {
    return await(latch, 3);
  }

  /** The server notices a dead leader's session within seconds, freeing the lock for another. */
  @Test
  void theLeaderLockSessionIsProbedByTheServerWithinSeconds() throws Exception {
    try (java.sql.Connection c = PostgresBackend.connectForLock(postgres.location(), "test")) {
      assertProbedWithinSeconds(c);
    }
  }

  /**
   * The writer's session too, reconnected or not: a dead leader's leader-only write holds the
   * term's row, and no instance can lead until the server ends that session (by default after
   * hours).
   */
  @Test
  void theWriterSessionIsProbedByTheServerWithinSeconds() throws Exception {
    Database db = open();
    db.writeAndWait(
        c -> {
          assertProbedWithinSeconds(c);
          return null;
        });

    db.write(
            c -> {
              try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_terminate_backend(pg_backend_pid())");
              }
              return null;
            })
        .handle((v, e) -> null)
        .join();
    db.writeAndWait(
        c -> {
          assertProbedWithinSeconds(c);
          return null;
        });
  }

  private static void assertProbedWithinSeconds(Connection c) throws java.sql.SQLException {
    try (Statement st = c.createStatement()) {
      for (String[] setting :
          new String[][] {
            {"tcp_keepalives_idle", "2"},
            {"tcp_keepalives_interval", "1"},
            {"tcp_keepalives_count", "3"}
          }) {
        try (ResultSet rs = st.executeQuery("SHOW " + setting[0])) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString(1)).as(setting[0]).isEqualTo(setting[1]);
        }
      }
    }
  }
}
