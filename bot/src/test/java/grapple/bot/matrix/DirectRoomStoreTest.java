package grapple.bot.matrix;

import grapple.state.Database;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectRoomStoreTest {
  @TempDir Path dir;
  private Database db;
  private DirectRoomStore rooms;

  @BeforeEach
  void openDatabase() {
    db = Database.open(dir.resolve("grapple.db"));
    rooms = new DirectRoomStore(db);
  }

  @AfterEach
  void closeDatabase() {
    db.close();
  }

  @Test
  void hasNoRoomForAnUnknownUser() {
    assertThat(rooms.roomFor("@alice:example.org")).isEmpty();
  }

  @Test
  void putThenRoomForRoundTrips() {
    rooms.put("@alice:example.org", "!dm-alice:example.org");

    assertThat(rooms.roomFor("@alice:example.org")).contains("!dm-alice:example.org");
  }

  @Test
  void putAgainReplacesTheRoom() {
    rooms.put("@alice:example.org", "!old:example.org");

    rooms.put("@alice:example.org", "!new:example.org");

    assertThat(rooms.roomFor("@alice:example.org")).contains("!new:example.org");
  }

  @Test
  void keepsOneRoomPerUser() {
    rooms.put("@alice:example.org", "!dm-alice:example.org");

    rooms.put("@bob:example.org", "!dm-bob:example.org");

    assertThat(rooms.roomFor("@alice:example.org")).contains("!dm-alice:example.org");
    assertThat(rooms.roomFor("@bob:example.org")).contains("!dm-bob:example.org");
  }

  @Test
  void roomsSurviveReopening() {
    rooms.put("@alice:example.org", "!dm-alice:example.org");
    db.close();

    db = Database.open(dir.resolve("grapple.db"));
    rooms = new DirectRoomStore(db);

    assertThat(rooms.roomFor("@alice:example.org")).contains("!dm-alice:example.org");
  }
}
