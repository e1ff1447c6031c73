package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.room.RoomEvent;
import grapple.bot.room.RoomStates;
import grapple.state.Database;
import grapple.state.Json;
import grapple.state.PeopleLinks;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MatrixProfilesTest {
  private static final String ALICE = "@alice:test";

  @TempDir Path dir;
  private Database db;

  @AfterEach
  void close() {
    if (db != null) db.close();
  }

  /** A name cut at its 256th character kept half of an emoji there: not valid text. */
  @Test
  void aLongNameIsCutBetweenCharactersNotInsideOne() {
    String name = "a".repeat(MatrixProfiles.MAX_NAME_CHARS - 1) + "\uD83D\uDE00" + "tail";

    String kept = remembered(name);

    assertThat(kept).isEqualTo("a".repeat(MatrixProfiles.MAX_NAME_CHARS - 1));
    assertThat(remembered("b".repeat(300))).hasSize(MatrixProfiles.MAX_NAME_CHARS);
  }

  /**
   * The name is a convenience kept beside a link already made: a database that refuses to keep it
   * (closed, full) is logged, not thrown at the caller, whose link (or login) then seemed to fail
   * though it was made, and a retry was told it was linked already.
   */
  @Test
  void aNameTheDatabaseCannotKeepFailsNothing() {
    db = Database.open(dir.resolve("grapple.db"));
    MatrixProfiles profiles =
        new MatrixProfiles(roomsWith("Alice"), null, new PeopleLinks(db, Clock.systemUTC()));
    db.close();

    profiles.remember(ALICE);

    db = null;
  }

  private String remembered(String displayName) {
    if (db == null) db = Database.open(dir.resolve("grapple.db"));
    new MatrixProfiles(roomsWith(displayName), null, new PeopleLinks(db, Clock.systemUTC()))
        .remember(ALICE);
    return db.first(
            "SELECT display_name FROM matrix_profiles WHERE matrix_user = ?",
            rs -> rs.getString(1),
            ALICE)
        .orElseThrow();
  }

  /** Rooms where Alice is a member named {@code displayName}. */
  private static RoomStates roomsWith(String displayName) {
    RoomStates rooms = new RoomStates();
    rooms.apply(
        new RoomEvent.State(
            "!room:test",
            "$member",
            ALICE,
            "m.room.member",
            ALICE,
            Json.object().put("membership", "join").put("displayname", displayName)));
    return rooms;
  }
}
