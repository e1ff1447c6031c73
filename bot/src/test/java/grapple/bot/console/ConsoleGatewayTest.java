package grapple.bot.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.bot.room.MatrixException;
import grapple.state.Database;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsoleGatewayTest {
  @TempDir Path dir;
  private Database db;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private ConsoleGateway gateway;

  @BeforeEach
  void openDatabase() {
    db = Database.open(dir.resolve("grapple.db"));
  }

  @AfterEach
  void close() {
    if (gateway != null) gateway.stop();
    db.close();
  }

  private String startWith(ConsoleGateway.Console console) {
    gateway = gatewayOn(console);
    gateway.start((event, initial) -> {}, () -> {});
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void anInteractiveConsoleSaysWhatToType() {
    String printed =
        startWith(ConsoleGateway.plain(new java.io.ByteArrayInputStream(new byte[0]), print()));

    assertThat(printed).contains("Type `!grapple help`");
  }

  @Test
  void aHeadlessConsoleDoesNotAskForInputNobodyCanType() {
    String printed = startWith(ConsoleGateway.headless(print()));

    assertThat(printed)
        .contains("local mode")
        .contains("!console:localhost")
        .doesNotContain("Type");
  }

  /**
   * What the bot posts comes from anyone who can reach a webhook: a body carrying terminal control
   * sequences (clear the screen, set the clipboard, rewrite the line above) reached the operator's
   * terminal as they were. They are printed as visible escapes; line breaks and tabs stay.
   */
  @Test
  void controlCharactersFromAWebhookAreShownNotObeyed() throws Exception {
    String body = "a\u001b]52;c;ZXZpbA==\u0007b\u001b[2J\rfake\u009b1m\u007f\nnext\tcol";

    String printed = printedOfANotice(body);

    assertThat(printed)
        .contains(
            "grapple: a\\u001b]52;c;ZXZpbA==\\u0007b\\u001b[2J\\u000dfake\\u009b1m\\u007f\nnext\tcol")
        .doesNotContain("\u001b")
        .doesNotContain("\u0007")
        .doesNotContain("\r")
        .doesNotContain("\u009b");
  }

  /**
   * A right-to-left override from a webhook showed the rest of the line backwards on a terminal
   * that honours it, so that the line read as something it did not hold: direction controls are
   * printed as escapes too.
   */
  @Test
  void directionControlsFromAWebhookAreShownNotObeyed() throws Exception {
    String body = "deploy \u202egnp.exe\u202c ok \u2066x\u2069 \u200f\u061c";

    assertThat(printedOfANotice(body))
        .contains("grapple: deploy \\u202egnp.exe\\u202c ok \\u2066x\\u2069 \\u200f\\u061c")
        .doesNotContain("\u202e")
        .doesNotContain("\u2066");
  }

  /**
   * A direct room was named by the user's localpart alone: {@code @alice:a.org} and {@code
   * @alice:b.org} shared {@code !dm-alice:localhost}, and the printed line named neither.
   */
  @Test
  void eachFullUserIdHasItsOwnDirectRoomNamedWhenPrinted() throws Exception {
    startWith(ConsoleGateway.headless(print()));

    String a = gateway.directRoom("@alice:a.org");
    String b = gateway.directRoom("@alice:b.org");
    String port = gateway.directRoom("@alice:a.org:8448");
    gateway.send(
        b,
        "m.room.message",
        grapple.state.Json.object().put("msgtype", "m.notice").put("body", "hi"),
        "t1");

    assertThat(List.of(a, b, port))
        .containsExactly(
            "!dm-alice@a.org:localhost",
            "!dm-alice@b.org:localhost",
            "!dm-alice@a.org%3A8448:localhost")
        .allSatisfy(room -> assertThat(room.indexOf(':')).isEqualTo(room.lastIndexOf(':')));
    assertThat(gateway.directRoom("@alice:a.org")).isEqualTo(a);
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("grapple (direct message to @alice:b.org): hi");
  }

  /**
   * A user ID without a colon (or without its {@code @}) threw StringIndexOutOfBoundsException out
   * of the outbox's delivery: it is refused for good, as a homeserver's 400, naming what was given.
   */
  @Test
  void aDirectRoomWithSomethingThatIsNoUserIdIsRefused() {
    startWith(ConsoleGateway.headless(print()));

    for (String notAUser : List.of("alice", "@alice", "alice:a.org", "@:a.org", "@alice:")) {
      assertThatThrownBy(() -> gateway.directRoom(notAUser))
          .isInstanceOfSatisfying(
              MatrixException.class,
              e -> {
                assertThat(e.status()).isEqualTo(400);
                assertThat(e.mayPassLater()).isFalse();
                assertThat(e.getMessage())
                    .contains("no direct room with '" + notAUser + "'")
                    .contains("@localpart:server");
              });
    }
  }

  /**
   * Only the word {@code /state} edits room state, and a line that starts with {@code /} is never
   * posted: {@code /stat …} (a typo) went into the room as a message, saying there what was meant
   * for the console. It is refused, naming the right form; {@code //} sends a line that starts with
   * {@code /}.
   */
  @Test
  void aMistypedConsoleCommandIsRefusedNotPosted() {
    java.util.List<grapple.bot.room.RoomEvent> seen =
        typed(
            "/statefoo a b\n/stat t k {}\n  /State t k {}\n/\n//me waves\n/state t k {\"x\": 1}\n",
            2);

    assertThat(seen)
        .satisfiesExactly(
            e ->
                assertThat(e)
                    .isInstanceOfSatisfying(
                        grapple.bot.room.RoomEvent.Message.class,
                        m -> assertThat(m.content().path("body").asText()).isEqualTo("/me waves")),
            e ->
                assertThat(e)
                    .isInstanceOfSatisfying(
                        grapple.bot.room.RoomEvent.State.class,
                        st -> assertThat(st.eventType()).isEqualTo("t")));
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains(
            "Unknown console command /statefoo; nothing was sent. Usage: /state TYPE KEY [JSON]")
        .contains("Unknown console command /stat; nothing was sent.")
        .contains("Unknown console command /State; nothing was sent.")
        .contains("Unknown console command /; nothing was sent.")
        .contains("type // (//me waves sends /me waves)");
    assertThat(new LocalStateStore(db).all("!console:localhost"))
        .extracting(LocalStateStore.StateEvent::eventType)
        .containsExactly("t");
  }

  /** {@code /state} without its key says what is missing and the right form. */
  @Test
  void aStateLineWithoutItsKeyNamesTheRightForm() {
    typed("/state t\n/state t k {}\n", 1);

    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("Missing TYPE or KEY. Usage: /state TYPE KEY [JSON]");
  }

  /**
   * A {@code /state} line typed after a command took effect before it: the command is answered on
   * another thread. It waits for the commands typed before it.
   */
  @Test
  void aStateLineWaitsForTheCommandsTypedBeforeIt() {
    java.util.List<String> order = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.CountDownLatch asked = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch answered = new java.util.concurrent.CountDownLatch(1);
    gateway = typing("!grapple webhook ci\n/state t ci {}\n");
    gateway.start(
        new grapple.bot.room.RoomEvents() {
          @Override
          public void onEvent(grapple.bot.room.RoomEvent event, boolean initial) {
            if (initial) return;
            if (event instanceof grapple.bot.room.RoomEvent.State) order.add("state");
            if (event instanceof grapple.bot.room.RoomEvent.Message) {
              // Answered on another thread, not before the console asks whether it was.
              grapple.state.Daemons.thread(
                      "answer",
                      () -> {
                        try {
                          asked.await();
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                          return;
                        }
                        order.add("answered");
                        answered.countDown();
                      })
                  .start();
            }
          }

          @Override
          public boolean awaitCommands(String roomId, java.time.Duration timeout)
              throws InterruptedException {
            asked.countDown();
            return answered.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
          }
        },
        () -> {});

    grapple.testing.Await.until(java.time.Duration.ofSeconds(5), () -> order.contains("state"));
    assertThat(order).containsExactly("answered", "state");
  }

  /** {@code ""} as the key writes the empty state key, which the console could not write. */
  @Test
  void twoQuotesAreTheEmptyStateKey() {
    java.util.List<grapple.bot.room.RoomEvent> seen =
        typed("/state m.room.topic \"\" {\"topic\": \"t\"}\n/state x.y '' {}\n", 2);
    assertThat(seen)
        .allSatisfy(
            e ->
                assertThat(e)
                    .isInstanceOfSatisfying(
                        grapple.bot.room.RoomEvent.State.class,
                        state -> assertThat(state.stateKey()).isEmpty()));
    assertThat(new LocalStateStore(db).all("!console:localhost"))
        .filteredOn(e -> e.eventType().equals("m.room.topic"))
        .extracting(LocalStateStore.StateEvent::stateKey)
        .containsExactly("");
  }

  /**
   * {@code /state TYPE KEY } with a space after the key (as a shell's completion leaves it) was
   * answered "Not a JSON object: state content must be a JSON object" though the usage says no JSON
   * empties the state: blank after the key is no JSON.
   */
  @Test
  void blankAfterTheKeyEmptiesTheStateAsNoJsonDoes() {
    java.util.List<grapple.bot.room.RoomEvent> seen = typed("/state t k  \t\n", 1);

    assertThat(seen)
        .singleElement()
        .isInstanceOfSatisfying(
            grapple.bot.room.RoomEvent.State.class,
            s -> {
              assertThat(s.eventType()).isEqualTo("t");
              assertThat(s.stateKey()).isEqualTo("k");
              assertThat(s.content().isEmpty()).isTrue();
            });
    assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("Not a JSON object");
  }

  /**
   * {@code /state} with broken JSON answered with Jackson's whole message, whose second line says
   * {@code at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); ...]}:
   * one line now, saying what is wrong and where.
   */
  @Test
  void brokenJsonIsAnsweredOnOneLineSayingWhere() {
    typed("/state t k {bad\n/state t k {\"x\": 1}\n", 1);

    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains(
            "Not a JSON object: Unexpected character ('b' (code 98)): was expecting double-quote"
                + " to start field name (at column 2). Usage: /state TYPE KEY [JSON]")
        .doesNotContain("REDACTED")
        .doesNotContain("StreamReadFeature");
  }

  /**
   * The events of {@code lines} typed at a console (after the four the console room starts with),
   * once {@code count} have come.
   */
  private java.util.List<grapple.bot.room.RoomEvent> typed(String lines, int count) {
    java.util.List<grapple.bot.room.RoomEvent> seen =
        new java.util.concurrent.CopyOnWriteArrayList<>();
    gateway = typing(lines);
    gateway.start((event, initial) -> seen.add(event), () -> {});
    grapple.testing.Await.until(java.time.Duration.ofSeconds(5), () -> seen.size() >= 4 + count);
    return seen.subList(4, seen.size());
  }

  /** A console gateway of the bot {@code @grapple:localhost}, its room's state in {@link #db}. */
  private ConsoleGateway gatewayOn(ConsoleGateway.Console console) {
    return new ConsoleGateway("localhost", "@grapple:localhost", new LocalStateStore(db), console);
  }

  /** A console gateway at which {@code lines} are typed. */
  private ConsoleGateway typing(String lines) {
    return gatewayOn(
        ConsoleGateway.plain(
            new java.io.ByteArrayInputStream(lines.getBytes(StandardCharsets.UTF_8)), print()));
  }

  /** What a headless console prints of a notice of {@code body} the bot sends its room. */
  private String printedOfANotice(String body) throws Exception {
    startWith(ConsoleGateway.headless(print()));
    gateway.send(
        "!console:localhost",
        "m.room.message",
        grapple.state.Json.object().put("msgtype", "m.notice").put("body", body),
        "t1");
    return out.toString(StandardCharsets.UTF_8);
  }

  private PrintStream print() {
    return new PrintStream(out, true, StandardCharsets.UTF_8);
  }
}
