package grapple.bot.gitea;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.state.Database;
import grapple.state.Location;
import grapple.state.Migrations;
import grapple.state.TestPostgres;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hooks the bot made, kept by its own migration step, on SQLite and on PostgreSQL. */
class GiteaHooksTest {
  @TempDir Path dir;

  @Test
  void rememberFindReplaceAndForgetOnSqlite() {
    try (Database db = Database.open(Location.sqlite(dir.resolve("g.db")), steps())) {
      roundTrip(new GiteaHooks(db, Clock.systemUTC()));
    }
  }

  @Test
  void rememberFindReplaceAndForgetOnPostgresql() {
    try (Database db = Database.open(TestPostgres.newDatabase(), steps())) {
      roundTrip(new GiteaHooks(db, Clock.systemUTC()));
    }
  }

  /**
   * A removal forgets the hook it read: another room's follow that recorded a new hook since (the
   * old one found deleted on Gitea) keeps its record, which was erased with the old one.
   */
  @Test
  void forgettingAHookKeepsANewerOneRecordedSinceOnSqlite() {
    try (Database db = Database.open(Location.sqlite(dir.resolve("g.db")), steps())) {
      forgettingKeepsANewerHook(new GiteaHooks(db, Clock.systemUTC()));
    }
  }

  @Test
  void forgettingAHookKeepsANewerOneRecordedSinceOnPostgresql() {
    try (Database db = Database.open(TestPostgres.newDatabase(), steps())) {
      forgettingKeepsANewerHook(new GiteaHooks(db, Clock.systemUTC()));
    }
  }

  private static void forgettingKeepsANewerHook(GiteaHooks hooks) {
    hooks.remember("codeberg", "o/r", 41, "@alice:test");
    hooks.remember("codeberg", "o/r", 42, "@bob:test");

    hooks.forget("codeberg", "O/R", 41);

    assertThat(hooks.find("codeberg", "o/r")).contains(42L);
  }

  private static List<grapple.state.Migration> steps() {
    return Migrations.all(List.of(GiteaHooks.STEP.ownedBy("gitea")));
  }

  private static void roundTrip(GiteaHooks hooks) {
    assertThat(hooks.find("codeberg", "o/r")).isEmpty();

    hooks.remember("codeberg", "O/R", 12, "@alice:test");
    hooks.remember("work", "o/r", 7, "@alice:test");

    assertThat(hooks.find("codeberg", "o/r")).contains(12L);
    hooks.remember("codeberg", "o/r", 13, "@bob:test");
    assertThat(hooks.find("codeberg", "O/r")).contains(13L);
    hooks.forget("codeberg", "o/r", 13);
    assertThat(hooks.find("codeberg", "o/r")).isEmpty();
    assertThat(hooks.find("work", "o/r")).contains(7L);
  }
}
