package grapple.state;

import static java.nio.file.attribute.PosixFilePermission.OWNER_READ;
import static java.nio.file.attribute.PosixFilePermission.OWNER_WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

class DatabaseTest {
  @TempDir Path dir;

  private final List<Database> opened = new ArrayList<>();

  @AfterEach
  void closeDatabases() {
    opened.forEach(Database::close);
  }

  /** A new database of {@code dialect} (PostgreSQL: skipped without a server). */
  private Database open(Dialect dialect) {
    Database db = TestDatabases.open(dialect, dir);
    opened.add(db);
    return db;
  }

  private Database open(Path file) {
    Database db = Database.open(file);
    opened.add(db);
    return db;
  }

  /**
   * Thread pools let idle threads go and start new ones (Jetty's after a minute idle: a scrape of
   * /metrics a minute apart reads on a new thread each time). Each thread reads on a connection of
   * its own; one whose thread has ended must be closed, or every such read leaks a file handle.
   */
  @Test
  void aReaderConnectionIsClosedOnceItsThreadHasEnded() throws Exception {
    assumeThat(Path.of("/proc/self/fd")).isDirectory();
    Path file = dir.resolve("grapple.db");
    Database db = open(file);
    db.first("SELECT 1", rs -> rs.getInt(1));
    long before = handlesOn(file);

    for (int i = 0; i < 20; i++) {
      Thread reader = new Thread(() -> db.first("SELECT 1", rs -> rs.getInt(1)));
      reader.start();
      reader.join();
    }

    // The last thread's connection is left beside those there were, and SQLite may keep one
    // closed connection's handle while others hold locks on the file (it reuses it): not 20.
    assertThat(handlesOn(file)).isLessThanOrEqualTo(before + 3);
  }

  /** How many of this process's open files are {@code file}. */
  private static long handlesOn(Path file) throws IOException {
    Path real = file.toRealPath();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.filter(
              fd -> {
                try {
                  return Files.readSymbolicLink(fd).equals(real);
                } catch (IOException | UnsupportedOperationException e) {
                  return false; // closed meanwhile, or not a link
                }
              })
          .count();
    }
  }

  @Test
  void createsTheFileReadableAndWritableOnlyByItsOwner() throws IOException {
    Path file = dir.resolve("grapple.db");

    open(file);

    assertThat(Files.getPosixFilePermissions(file))
        .containsExactlyInAnyOrder(OWNER_READ, OWNER_WRITE);
  }

  @Test
  void theWriteAheadLogIsAsPrivateAsTheDatabase() throws IOException {
    Path file = dir.resolve("grapple.db");
    Database db = open(file);

    db.writeAndWait(c -> KeyValueStore.put(c, "secret", "value"));

    Path wal = dir.resolve("grapple.db-wal");
    assertThat(wal).exists();
    assertThat(Files.getPosixFilePermissions(wal))
        .containsExactlyInAnyOrder(OWNER_READ, OWNER_WRITE);
  }

  @Test
  void createsMissingParentDirectories() {
    Path file = dir.resolve("a/b/grapple.db");

    open(file);

    assertThat(file).isRegularFile();
  }

  @Test
  void usesWriteAheadLogJournalMode() throws SQLException {
    Path file = dir.resolve("grapple.db");
    open(file);

    String mode = rawQuery(file, "PRAGMA journal_mode");

    assertThat(mode).isEqualToIgnoringCase("wal");
  }

  /** A file that does not exist yet, and an empty SQLite file that does. */
  @ParameterizedTest(name = "the file exists: {0}")
  @ValueSource(booleans = {false, true})
  void migratesANewOrAnEmptyExistingFileToTheLatestVersion(boolean exists) throws SQLException {
    Path file = dir.resolve("grapple.db");
    if (exists) rawUpdate(file, "PRAGMA user_version = 0");

    open(file);

    assertThat(rawQuery(file, "PRAGMA user_version"))
        .isEqualTo(String.valueOf(Migrations.latest()));
  }

  @Test
  void migrationCreatesEveryTable() throws SQLException {
    Path file = dir.resolve("grapple.db");

    open(file);

    assertThat(tables(file))
        .contains(
            "connections",
            "secrets",
            "kv",
            "processed_events",
            "outbox",
            "dm_rooms",
            "local_state",
            "commands_waiting");
  }

  @Test
  void theOutboxLosesItsTxnIdIndexButKeepsItsRowsAndNeverReusesASeq() throws SQLException {
    Path file = dir.resolve("grapple.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement()) {
      for (int step = 0; step < 3; step++) {
        for (String sql : Migrations.core().get(step).statements(Dialect.SQLITE)) {
          if (!sql.isBlank()) s.executeUpdate(sql);
        }
      }
      s.executeUpdate("PRAGMA user_version = 3");
      for (int i = 1; i <= 3; i++) {
        s.executeUpdate(
            "INSERT INTO outbox (target, txn_id, event_type, content, created_at) VALUES ('!r:x', 't"
                + i
                + "', 'm.room.message', '{\"body\":\""
                + i
                + "\"}', 0)");
      }
      s.executeUpdate("DELETE FROM outbox WHERE seq = 3"); // delivered: its seq must not come back
    }

    Database db = open(file);
    OutboxStore outbox = new OutboxStore(db);

    assertThat(outbox.pending()).extracting(OutboxStore.Entry::seq).containsExactly(1L, 2L);
    assertThat(outbox.pending()).extracting(OutboxStore.Entry::txnId).containsExactly("t1", "t2");
    long next =
        outbox
            .enqueue(
                List.of(
                    new OutboxStore.Draft(
                        "!r:x", "m.room.message", Json.object().put("body", "new"))))
            .join()
            .get(0)
            .seq();
    assertThat(next).isEqualTo(4);
    assertThat(
            rawQuery(
                file,
                "SELECT group_concat(name) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox'"))
        .isEqualTo("outbox_pending");
  }

  @Test
  void reopeningAMigratedFileKeepsItsData() {
    Path file = dir.resolve("grapple.db");
    Database first = Database.open(file);
    first.writeAndWait(c -> KeyValueStore.put(c, "k", "v"));
    first.close();

    Database second = open(file);

    assertThat(new KeyValueStore(second).get("k")).contains("v");
  }

  @Test
  void refusesADatabaseWrittenByANewerVersion() throws SQLException {
    Path file = dir.resolve("grapple.db");
    int newer = Migrations.latest() + 98;
    rawUpdate(file, "PRAGMA user_version = " + newer);

    Throwable thrown = catchStorageException(() -> Database.open(file));

    String message = thrown.getMessage();
    assertThat(message).contains(file.toString()).contains(String.valueOf(newer));
    String withoutFileAndNewer =
        message.replace(file.toString(), "").replace(String.valueOf(newer), "");
    assertThat(withoutFileAndNewer).contains(String.valueOf(Migrations.latest()));
  }

  /** Files Grapple refuses to open: why, the SQL that makes one, the user_version it keeps. */
  static Stream<Arguments> refusedFiles() {
    int newer = Migrations.latest() + 1;
    return Stream.of(
        Arguments.of(
            "refusing a newer database leaves it untouched",
            "PRAGMA user_version = " + newer,
            String.valueOf(newer)),
        Arguments.of(
            "a failed migration leaves the file unchanged",
            "CREATE TABLE outbox (something_else TEXT)",
            "0"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusedFiles")
  void aRefusedFileIsLeftAsItWas(String rule, String setUp, String userVersion)
      throws SQLException {
    Path file = dir.resolve("grapple.db");
    rawUpdate(file, setUp);

    catchStorageException(() -> Database.open(file));

    assertThat(rawQuery(file, "PRAGMA user_version")).isEqualTo(userVersion);
    assertThat(tables(file)).doesNotContain("connections");
  }

  /**
   * A core step that failed on SQLite was reported as "cannot open for writing: (table outbox
   * already exists)": which step, and that it was the schema, went unsaid, as PostgreSQL's and the
   * services' steps say it.
   */
  @Test
  void aFailedMigrationNamesItsStep() throws SQLException {
    Path file = dir.resolve("grapple.db");
    rawUpdate(file, "CREATE TABLE outbox (something_else TEXT)");

    Throwable thrown = catchStorageException(() -> Database.open(file));

    assertThat(thrown)
        .hasMessageStartingWith(
            "database "
                + file
                + ": schema step 1 ("
                + Migrations.core().get(0).description()
                + ") failed: ")
        .hasMessageContaining("table outbox already exists");
  }

  @Test
  void aFailedMigrationDoesNotLeaveTheFileLocked() throws SQLException {
    Path file = dir.resolve("grapple.db");
    rawUpdate(file, "CREATE TABLE outbox (something_else TEXT)");
    catchStorageException(() -> Database.open(file));

    rawUpdate(file, "DROP TABLE outbox");

    assertThat(tables(file)).doesNotContain("outbox");
  }

  @Test
  void refusesAReadOnlyFileNamingIt() throws IOException {
    Path file = dir.resolve("grapple.db");
    Database.open(file).close();
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
    assumeThat(Files.isWritable(file))
        .as("permissions are enforced (not running as root)")
        .isFalse();

    Throwable thrown = catchStorageException(() -> Database.open(file));

    assertThat(thrown).hasMessageContaining(file.toString());
  }

  @Test
  void refusesAFileInAReadOnlyDirectoryNamingIt() throws IOException {
    Path readOnly = Files.createDirectory(dir.resolve("locked"));
    Path file = readOnly.resolve("grapple.db");
    Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-x------"));
    try {
      assumeThat(Files.isWritable(readOnly))
          .as("permissions are enforced (not running as root)")
          .isFalse();

      Throwable thrown = catchStorageException(() -> Database.open(file));

      assertThat(thrown).hasMessageContaining(file.toString());
    } finally {
      Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("rwx------"));
    }
  }

  @Test
  void refusesAPathBelowARegularFileNamingIt() throws IOException {
    Path notADirectory = Files.createFile(dir.resolve("plain-file"));
    Path file = notADirectory.resolve("grapple.db");

    Throwable thrown = catchStorageException(() -> Database.open(file));

    // It was "cannot create: java.nio.file.FileAlreadyExistsException: <the plain file>".
    assertThat(thrown)
        .hasMessage(
            "database "
                + file
                + ": cannot create: "
                + notADirectory
                + " is a file, not a directory");
  }

  @Test
  void refusesADirectoryNamingIt() throws IOException {
    Path file = Files.createDirectory(dir.resolve("grapple.db"));

    Throwable thrown = catchStorageException(() -> Database.open(file));

    // It was SQLite's "[SQLITE_CANTOPEN] Unable to open the database file".
    assertThat(thrown)
        .hasMessage(
            "database " + file + ": is a directory; database.path names the SQLite file itself");
  }

  /**
   * A database path that is a link to nothing (a volume not mounted) passes the directory checks,
   * then was refused as "cannot create: java.nio.file.FileAlreadyExistsException: <path>".
   */
  @Test
  void refusesALinkToNothingSayingWhereItLeads() throws IOException {
    Path target = dir.resolve("volume").resolve("grapple.db");
    Path file = Files.createSymbolicLink(dir.resolve("grapple.db"), target);

    Throwable thrown = catchStorageException(() -> Database.open(file));

    assertThat(thrown)
        .hasMessage(
            "database "
                + file
                + ": cannot create: it is a link to "
                + target
                + ", which does not exist (or is a link that never ends)");
  }

  @Test
  void refusesAFileThatIsNotADatabaseNamingIt() throws IOException {
    Path file = dir.resolve("grapple.db");
    Files.writeString(file, "this is not an SQLite database, just some text that is long enough");

    Throwable thrown = catchStorageException(() -> Database.open(file));

    assertThat(thrown).hasMessageContaining(file.toString());
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void writeAndWaitReturnsTheTaskResult(Dialect dialect) {
    Database db = open(dialect);

    int changed = db.writeAndWait(c -> KeyValueStore.put(c, "k", "v"));

    assertThat(changed).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void aCompletedWriteIsVisibleToReadersOnOtherThreads(Dialect dialect) throws Exception {
    Database db = open(dialect);
    db.write(c -> KeyValueStore.put(c, "k", "v")).get(10, TimeUnit.SECONDS);

    CompletableFuture<java.util.Optional<String>> read =
        CompletableFuture.supplyAsync(() -> new KeyValueStore(db).get("k"));

    assertThat(read.get(10, TimeUnit.SECONDS)).contains("v");
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void groupCommitCompletesManyConcurrentWrites(Dialect dialect) throws Exception {
    Database db = open(dialect);
    ExecutorService threads = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    List<CompletableFuture<Integer>> futures = new CopyOnWriteArrayList<>();
    for (int t = 0; t < 8; t++) {
      int thread = t;
      threads.execute(
          () -> {
            awaitQuietly(start);
            for (int i = 0; i < 25; i++) {
              String key = "t" + thread + "-" + i;
              futures.add(db.write(c -> KeyValueStore.put(c, key, "v")));
            }
          });
    }

    start.countDown();
    threads.shutdown();
    assertThat(threads.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

    assertThat(futures).hasSize(200).allSatisfy(f -> assertThat(f.join()).isEqualTo(1));
    assertThat(TestDatabases.count(db, "kv")).isEqualTo(200);
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void aFailingTaskFailsOnlyItsOwnFuture(Dialect dialect) {
    Database db = open(dialect);
    CountDownLatch release = blockWriter(db);
    Batch batch = writeBeforeFailingAndAfter(db, new SQLException("boom"));

    release.countDown();

    assertThat(batch.before().join()).isEqualTo(1);
    assertThat(batch.after().join()).isEqualTo(1);
    assertThatThrownBy(batch.failing()::join)
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(SQLException.class)
        .hasRootCauseMessage("boom");
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void aFailingTaskIsRolledBackWhileTheOthersInItsBatchCommit(Dialect dialect) {
    Database db = open(dialect);
    KeyValueStore kv = new KeyValueStore(db);
    CountDownLatch release = blockWriter(db);
    Batch batch = writeBeforeFailingAndAfter(db, new IllegalStateException("boom"));

    release.countDown();
    CompletableFuture.allOf(batch.before(), batch.after()).join();
    batch.failing().handle((value, error) -> value).join();

    assertThat(kv.get("before")).contains("1");
    assertThat(kv.get("after")).contains("3");
    assertThat(kv.get("failing")).isEmpty();
  }

  /**
   * Some failures undo SQLite's whole transaction, not only their statement (a full disk, an I/O
   * error; here {@code INSERT OR ROLLBACK}): the batch fails, every write in it, and says why, not
   * "no such savepoint", which is all that was left to see of it.
   */
  @Test
  void aTaskFailureThatUndoesTheWholeTransactionFailsTheBatchNamingThatFailure() {
    Database db = open(dir.resolve("grapple.db"));
    KeyValueStore kv = new KeyValueStore(db);
    kv.put("taken", "0");
    CountDownLatch release = blockWriter(db);
    CompletableFuture<Integer> before = db.write(c -> KeyValueStore.put(c, "before", "1"));
    CompletableFuture<Integer> failing =
        db.write(c -> Sql.update(c, "INSERT OR ROLLBACK INTO kv (key, value) VALUES ('taken', 2)"));

    release.countDown();

    assertThatThrownBy(failing::join)
        .hasCauseInstanceOf(StorageException.class)
        .hasMessageContaining("UNIQUE constraint failed");
    assertThatThrownBy(before::join).hasMessageContaining("UNIQUE constraint failed");
    assertThat(kv.get("before")).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void aKeptWriterStatementIsReusedAcrossTransactions(Dialect dialect) {
    Database db = open(dialect);
    KeyValueStore kv = new KeyValueStore(db);

    PreparedStatement first = putWithTheWriterStatement(db, "a", "1");
    PreparedStatement second = putWithTheWriterStatement(db, "b", "2");

    assertThat(second).isSameAs(first);
    assertThat(kv.get("a")).contains("1");
    assertThat(kv.get("b")).contains("2");
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void aWriterStatementIsRefusedOutsideWriteWork(Dialect dialect) {
    Database db = open(dialect);

    assertThatThrownBy(() -> db.writerStatement("DELETE FROM kv"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("writer thread");
  }

  /** Each dialect with each unchecked exception a task may throw: bad input and a caller bug. */
  static Stream<Arguments> dialectsAndUncheckedFailures() {
    return Stream.of(Dialect.values())
        .flatMap(
            d ->
                Stream.of(
                    Arguments.of(d, new BadInput("name", "'name' must be 2-64 characters, was 1")),
                    Arguments.of(d, new IllegalStateException("caller bug"))));
  }

  @ParameterizedTest
  @MethodSource("dialectsAndUncheckedFailures")
  void writeAndWaitRethrowsTheTasksUncheckedException(Dialect dialect, RuntimeException failure) {
    Database db = open(dialect);

    Throwable thrown = writeThatThrows(db, failure);

    assertThat(thrown).isSameAs(failure);
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void writeAndWaitTurnsASqlFailureIntoAStorageException(Dialect dialect) {
    Database db = open(dialect);
    SQLException failure = new SQLException("constraint failed");

    Throwable thrown = writeThatThrows(db, failure);

    assertThat(thrown)
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("constraint failed")
        .hasCause(failure);
  }

  @Test
  void aSqlFailureFromWriteAndWaitNamesTheFile() {
    Path file = dir.resolve("grapple.db");
    Database db = open(file);

    Throwable thrown = writeThatThrows(db, new SQLException("constraint failed"));

    assertThat(thrown).isInstanceOf(StorageException.class).hasMessageContaining(file.toString());
  }

  @Test
  void aReadFailureIsAStorageExceptionNamingTheFile() {
    Path file = dir.resolve("grapple.db");
    Database db = open(file);

    Throwable thrown =
        catchThrowable(
            () ->
                db.read(
                    c -> {
                      try (Statement s = c.createStatement()) {
                        return s.executeQuery("SELECT * FROM no_such_table").next();
                      }
                    }));

    assertThat(thrown).isInstanceOf(StorageException.class).hasMessageContaining(file.toString());
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void readsCannotWrite(Dialect dialect) {
    Database db = open(dialect);

    Throwable thrown = catchThrowable(() -> db.read(c -> KeyValueStore.put(c, "k", "v")));

    assertThat(thrown).isInstanceOf(StorageException.class);
    assertThat(new KeyValueStore(db).get("k")).isEmpty();
  }

  @Test
  void closeFinishesQueuedWrites() {
    Path file = dir.resolve("grapple.db");
    Database db = Database.open(file);
    CountDownLatch release = blockWriter(db);
    for (int i = 0; i < 50; i++) {
      String key = "k" + i;
      db.write(c -> KeyValueStore.put(c, key, "v"));
    }

    release.countDown();
    db.close();

    assertThat(TestDatabases.count(open(file), "kv")).isEqualTo(50);
  }

  /**
   * A write that outlasts close's wait (a slow disk, a lock held long) must not have its connection
   * closed under it, and fail: it commits, what was queued behind it fails, and the writer closes
   * its connection once it ends.
   */
  @ParameterizedTest
  @EnumSource(Dialect.class)
  void aWriteThatOutlastsClosesWaitCommitsAndTheWriterThenClosesItsConnection(Dialect dialect)
      throws Exception {
    Database db = open(dialect);
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<Connection> writer = new AtomicReference<>();
    CompletableFuture<Integer> slow =
        db.write(
            c -> {
              writer.set(c);
              running.countDown();
              awaitQuietly(release);
              return KeyValueStore.put(c, "slow", "v");
            });
    awaitQuietly(running);
    CompletableFuture<Integer> behind = db.write(c -> KeyValueStore.put(c, "behind", "v"));

    db.close(Duration.ofMillis(50));
    release.countDown();

    assertThat(slow.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    assertThatThrownBy(behind::join)
        .hasCauseInstanceOf(StorageException.class)
        .hasMessageContaining("is closed");
    db.close(); // returns once the writer has ended
    assertThat(writer.get().isClosed()).isTrue();
  }

  /**
   * The warning of a write that outlasts close's wait counts the writes close failed behind it,
   * though the writer, its write ended meanwhile, may take and run some of those still queued.
   */
  @Test
  void theWarningOfAWriteThatOutlastsCloseCountsTheWritesItFailed() throws Exception {
    Database db = open(dir.resolve("grapple.db"));
    CountDownLatch release = blockWriter(db);
    List<CompletableFuture<Integer>> behind = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String key = "behind" + i;
      behind.add(db.write(c -> KeyValueStore.put(c, key, "v")));
    }
    // As close logs, the slow write ends, and the writer answers the first write behind it.
    List<String> warnings = new CopyOnWriteArrayList<>();
    AppenderBase<ILoggingEvent> writerEndsAsCloseLogs =
        new AppenderBase<>() {
          @Override
          protected void append(ILoggingEvent event) {
            if (event.getLevel() != Level.WARN) return;
            warnings.add(event.getFormattedMessage());
            release.countDown();
            behind.get(0).handle((v, e) -> v).orTimeout(30, TimeUnit.SECONDS).join();
          }
        };
    Logger logger = (Logger) LoggerFactory.getLogger(Database.class);
    writerEndsAsCloseLogs.start();
    logger.addAppender(writerEndsAsCloseLogs);
    try {
      db.close(Duration.ofMillis(50));
    } finally {
      logger.detachAppender(writerEndsAsCloseLogs);
    }

    long failed =
        behind.stream()
            .map(w -> w.handle((v, e) -> e != null).orTimeout(30, TimeUnit.SECONDS).join())
            .filter(f -> f)
            .count();
    assertThat(warnings).hasSize(1);
    Matcher logged = Pattern.compile("(\\d+) writes queued behind it").matcher(warnings.get(0));
    assertThat(logged.find()).isTrue();
    assertThat(Long.parseLong(logged.group(1))).isEqualTo(failed);
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void afterCommitRunsOnceCommittedInWriteOrderBeforeTheCallerIsToldAndNeverForAFailedWrite(
      Dialect dialect) {
    Database db = open(dialect);
    CountDownLatch release = blockWriter(db);
    List<String> ran = java.util.Collections.synchronizedList(new ArrayList<>());
    List<CompletableFuture<String>> writes = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String key = "k" + i;
      boolean fails = i == 2;
      CompletableFuture<String> write =
          db.write(
              c -> {
                KeyValueStore.put(c, key, "v");
                db.afterCommit(() -> ran.add(key + (committed(db, key) ? " committed" : " not")));
                if (fails) throw new SQLException("refused");
                return key;
              });
      // Told after the action ran: what the caller sees is what the action saw.
      writes.add(write.thenApply(k -> k + " told after " + ran.size()));
    }

    release.countDown();

    assertThat(writes.get(4).join()).isEqualTo("k4 told after 4");
    assertThat(writes.get(2)).isCompletedExceptionally();
    assertThat(ran).containsExactly("k0 committed", "k1 committed", "k3 committed", "k4 committed");
    assertThatThrownBy(() -> db.afterCommit(() -> {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("writer thread");
  }

  private static boolean committed(Database db, String key) {
    return new KeyValueStore(db).get(key).isPresent();
  }

  @Test
  void aWriteAfterCloseFailsWithAStorageException() {
    Path file = dir.resolve("grapple.db");
    Database db = Database.open(file);
    db.close();

    CompletableFuture<Integer> write = db.write(c -> KeyValueStore.put(c, "k", "v"));

    assertThatThrownBy(write::join)
        .hasCauseInstanceOf(StorageException.class)
        .hasMessageContaining(file.toString());
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void aReadAfterCloseIsRefusedWithAStorageException(Dialect dialect) {
    Database db = open(dialect);
    db.close();

    Throwable thrown = catchThrowable(() -> db.first("SELECT 1", rs -> rs.getInt(1)));

    assertThat(thrown)
        .isInstanceOf(StorageException.class)
        .hasMessage("database " + db.describe() + " is closed");
  }

  /**
   * A thread that had not read before (a pool's new thread, a door still finishing a request) would
   * open a reader connection on the closed database, read from it, and keep its file open for good.
   */
  @Test
  void aReadAfterCloseOpensNoConnection() throws Exception {
    assumeThat(Path.of("/proc/self/fd")).isDirectory();
    Path file = dir.resolve("grapple.db");
    Database db = Database.open(file);
    db.first("SELECT 1", rs -> rs.getInt(1));
    db.close();

    List<Throwable> thrown = new CopyOnWriteArrayList<>();
    Thread late = new Thread(() -> thrown.add(catchThrowable(() -> db.first("SELECT 1", rs -> 1))));
    late.start();
    late.join();

    assertThat(thrown).singleElement().isInstanceOf(StorageException.class);
    assertThat(handlesOn(file)).isZero();
  }

  @Test
  void closeClosesTheReaderConnectionOfEveryThreadStillRunning() throws Exception {
    assumeThat(Path.of("/proc/self/fd")).isDirectory();
    Path file = dir.resolve("grapple.db");
    Database db = Database.open(file);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      for (int i = 0; i < 3; i++) pool.submit(() -> db.first("SELECT 1", rs -> 1)).get();

      db.close();

      assertThat(handlesOn(file)).isZero();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void knowsItsFile() {
    Path file = dir.resolve("grapple.db");

    Database db = open(file);

    assertThat(db.file()).isEqualTo(file);
  }

  /** Occupies the writer thread until the returned latch is released, so later writes queue up. */
  private static CountDownLatch blockWriter(Database db) {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    db.write(
        c -> {
          running.countDown();
          awaitQuietly(release);
          return 0;
        });
    awaitQuietly(running);
    return release;
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      if (!latch.await(30, TimeUnit.SECONDS)) throw new AssertionError("latch timed out");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** Puts one key through a kept writer statement and returns that statement. */
  private static PreparedStatement putWithTheWriterStatement(
      Database db, String key, String value) {
    return db.writeAndWait(
        c -> {
          PreparedStatement s = db.writerStatement("INSERT INTO kv (key, value) VALUES (?, ?)");
          s.setString(1, key);
          s.setString(2, value);
          s.executeUpdate();
          return s;
        });
  }

  /** Three writes queued in one batch: the middle one puts a key, then throws {@code failure}. */
  private record Batch(
      CompletableFuture<Integer> before,
      CompletableFuture<Integer> failing,
      CompletableFuture<Integer> after) {}

  private static Batch writeBeforeFailingAndAfter(Database db, Exception failure) {
    return new Batch(
        db.write(c -> KeyValueStore.put(c, "before", "1")),
        db.write(
            c -> {
              KeyValueStore.put(c, "failing", "2");
              return DatabaseTest.<Integer>failingWith(failure).run(c);
            }),
        db.write(c -> KeyValueStore.put(c, "after", "3")));
  }

  /** What writeAndWait throws when its task throws {@code failure}. */
  private static Throwable writeThatThrows(Database db, Exception failure) {
    return catchThrowable(() -> db.writeAndWait(failingWith(failure)));
  }

  /** Work that throws {@code failure}, checked ({@link SQLException}) or unchecked. */
  private static <T> SqlWork<T> failingWith(Exception failure) {
    return c -> {
      if (failure instanceof SQLException sql) throw sql;
      throw (RuntimeException) failure;
    };
  }

  private static Throwable catchStorageException(Runnable action) {
    Throwable thrown = catchThrowable(action);
    assertThat(thrown).isInstanceOf(StorageException.class);
    return thrown;
  }

  private static Throwable catchThrowable(Runnable action) {
    return org.assertj.core.api.Assertions.catchThrowable(action::run);
  }

  private static String rawQuery(Path file, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      return rs.getString(1);
    }
  }

  private static void rawUpdate(Path file, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement()) {
      s.executeUpdate(sql);
    }
  }

  private static List<String> tables(Path file) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'")) {
      List<String> names = new ArrayList<>();
      while (rs.next()) names.add(rs.getString(1));
      return names;
    }
  }

  @Test
  void aWriteThatOverflowsTheStackFailsAloneAndTheWriterGoesOn() throws Exception {
    try (Database db = Database.open(dir.resolve("errors.db"))) {
      var bad =
          db.write(
              c -> {
                throw new StackOverflowError();
              });
      var good =
          db.write(
              c -> {
                try (var s = c.prepareStatement("INSERT INTO kv (key, value) VALUES ('k', 'v')")) {
                  return s.executeUpdate();
                }
              });

      assertThat(bad).failsWithin(java.time.Duration.ofSeconds(5));
      assertThat(good.get(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(db.writerAlive()).isTrue();
      assertThat(new KeyValueStore(db).get("k")).contains("v");
    }
  }
}
