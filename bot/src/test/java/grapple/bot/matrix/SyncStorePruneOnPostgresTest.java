package grapple.bot.matrix;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.Grapple;
import grapple.state.Database;
import grapple.state.PostgresFixture;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The prune of handled events on PostgreSQL. Skipped without a PostgreSQL server. */
class SyncStorePruneOnPostgresTest {
  @RegisterExtension final PostgresFixture postgres = new PostgresFixture();

  /**
   * The prune read the whole table of handled events at each prune ({@code processed_at} had no
   * index). With sequential scans ruled out, the planner can only use the index step 15 adds: a
   * table this small would be read whole anyway.
   */
  @Test
  void pruneCanFindOldEventsByTheirIndex() {
    Database db =
        postgres.closeAfter(Database.open(postgres.location(), Grapple.migrations(List.of())));

    List<String> plan =
        db.read(
            c -> {
              List<String> lines = new ArrayList<>();
              try (Statement s = c.createStatement()) {
                s.execute("SET enable_seqscan = off");
                try (ResultSet rs =
                    s.executeQuery("EXPLAIN " + SyncStore.PRUNE.replace("?", "0"))) {
                  while (rs.next()) lines.add(rs.getString(1));
                } finally {
                  s.execute("RESET enable_seqscan");
                }
              }
              return lines;
            });

    assertThat(plan).anySatisfy(line -> assertThat(line).contains("processed_events_by_age"));
  }
}
