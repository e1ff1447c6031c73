package grapple.bot.matrix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.bot.Grapple;
import grapple.state.Database;
import grapple.state.KeyValueStore;
import grapple.state.PostgresFixture;
import grapple.state.SqlWork;
import grapple.state.StorageException;
import grapple.state.TestPostgres;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The sync position on PostgreSQL when a leader froze with a batch in hand and another took over.
 * Skipped without a PostgreSQL server.
 */
class SyncLeaderFencingTest {
  @RegisterExtension final PostgresFixture postgres = new PostgresFixture();

  private Database leading() throws InterruptedException {
    Database db = Database.open(postgres.location(), Grapple.migrations(List.of()));
    postgres.closeAfter(db);
    postgres.leading(db, new CountDownLatch(1));
    return db;
  }

  /**
   * The old leader synced a batch, then froze before committing it; another instance took over and
   * synced on. The old one's commit, on resuming, moved the position back (the next start would
   * sync from there) and queued its events' work (outbound deliveries) a second time.
   */
  @Test
  void aLeaderThatFrozeWithABatchDoesNotMoveThePositionBackNorQueueItsWorkAgain() throws Exception {
    Database old = leading();
    SyncStore oldSync = new SyncStore(old);
    oldSync.commit("s1", List.of("$a"));

    try (java.sql.Connection c = TestPostgres.connect(postgres.location());
        Statement s = c.createStatement()) {
      s.execute(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
              + " WHERE application_name = 'grapple leader election'"
              + " AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)"
              + " AND datname = current_database()");
    }
    Database next = leading();
    SyncStore nextSync = new SyncStore(next);
    List<SqlWork<?>> delivery = List.of(c -> KeyValueStore.put(c, "delivery.$b", "queued"));
    nextSync.commit("s3", List.of("$b", "$c"), delivery);

    List<SqlWork<?>> again = List.of(c -> KeyValueStore.put(c, "delivery.$b", "queued again"));
    assertThatThrownBy(() -> oldSync.commit("s2", List.of("$b"), again))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("a leader-only write was refused");

    assertThat(nextSync.since()).contains("s3");
    assertThat(new KeyValueStore(next).get("delivery.$b")).contains("queued");
  }
}
