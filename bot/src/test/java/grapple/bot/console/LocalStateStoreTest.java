package grapple.bot.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import grapple.state.Json;
import grapple.testing.TestDatabase;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

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

  /** Two events of one room that differ in their key or their type. */
  static Stream<Arguments> eventsKeptApart() {
    return Stream.of(
        arguments(
            "different keys",
            hook("ci", "@console:localhost", Json.object().put("name", "ci")),
            hook("deploy", "@console:localhost", Json.object().put("name", "deploy"))),
        arguments(
            "different types but the same key",
            hook("", "@console:localhost", Json.object()),
            new LocalStateStore.StateEvent(
                ROOM,
                "m.room.name",
                "",
                "@console:localhost",
                Json.object().put("name", "Console"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("eventsKeptApart")
  void keepsEventsApart(
      String rule, LocalStateStore.StateEvent first, LocalStateStore.StateEvent second) {
    state.put(first);
    state.put(second);

    assertThat(state.all(ROOM)).containsExactlyInAnyOrder(first, second);
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
