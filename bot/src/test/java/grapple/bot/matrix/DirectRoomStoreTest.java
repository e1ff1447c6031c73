package grapple.bot.matrix;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class DirectRoomStoreTest {
  @RegisterExtension final TestDatabase database = TestDatabase.open();
  private final DirectRoomStore rooms = new DirectRoomStore(database.db());

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

    DirectRoomStore reopened = new DirectRoomStore(database.reopen());

    assertThat(reopened.roomFor("@alice:example.org")).contains("!dm-alice:example.org");
  }
}
