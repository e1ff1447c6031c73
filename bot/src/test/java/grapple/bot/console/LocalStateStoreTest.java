package grapple.bot.console;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.state.Json;
import grapple.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class LocalStateStoreTest {
  private static final String ROOM = "!console:localhost";
  private static final String HOOK_EVENT = "uk.half-shot.matrix-hookshot.generic.hook";

  @RegisterExtension final TestDatabase database = TestDatabase.open();
  private final LocalStateStore state = new LocalStateStore(database.db());

  @Test
  void aRoomHasNoStateAtFirst() {
    assertThat(state.all(ROOM)).isEmpty();
  }

  @Test
  void putThenAllRoundTripsTheEvent() {
    LocalStateStore.StateEvent event =
        new LocalStateStore.StateEvent(
            ROOM, HOOK_EVENT, "ci", "@console:localhost", Json.object().put("name", "ci"));

    state.put(event);

    assertThat(state.all(ROOM)).containsExactly(event);
  }

  @Test
  void putForTheSameTypeAndKeyReplacesTheEvent() {
    state.put(hook("ci", "@console:localhost", Json.object().put("name", "ci")));
    LocalStateStore.StateEvent replacement = hook("ci", "@grapple:localhost", Json.object());

    state.put(replacement);

    assertThat(state.all(ROOM)).containsExactly(replacement);
  }

  @Test
  void keepsEventsWithDifferentKeysApart() {
    LocalStateStore.StateEvent ci =
        hook("ci", "@console:localhost", Json.object().put("name", "ci"));
    LocalStateStore.StateEvent deploy =
        hook("deploy", "@console:localhost", Json.object().put("name", "deploy"));

    state.put(ci);
    state.put(deploy);

    assertThat(state.all(ROOM)).containsExactlyInAnyOrder(ci, deploy);
  }

  @Test
  void keepsEventsWithDifferentTypesButTheSameKeyApart() {
    LocalStateStore.StateEvent hook = hook("", "@console:localhost", Json.object());
    LocalStateStore.StateEvent name =
        new LocalStateStore.StateEvent(
            ROOM, "m.room.name", "", "@console:localhost", Json.object().put("name", "Console"));

    state.put(hook);
    state.put(name);

    assertThat(state.all(ROOM)).containsExactlyInAnyOrder(hook, name);
  }

  @Test
  void allReturnsOnlyTheGivenRoomsState() {
    LocalStateStore.StateEvent here = hook("ci", "@console:localhost", Json.object());
    state.put(here);

    state.put(
        new LocalStateStore.StateEvent(
            "!elsewhere:localhost", HOOK_EVENT, "ci", "@console:localhost", Json.object()));

    assertThat(state.all(ROOM)).containsExactly(here);
  }

  private static LocalStateStore.StateEvent hook(
      String key, String sender, com.fasterxml.jackson.databind.node.ObjectNode content) {
    return new LocalStateStore.StateEvent(ROOM, HOOK_EVENT, key, sender, content);
  }
}
