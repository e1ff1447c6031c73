package grapple.bot.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.MatrixException;
import grapple.bot.room.RoomEvent;
import grapple.bot.room.RoomEvents;
import grapple.bot.room.RoomGateway;
import grapple.state.Daemons;
import grapple.state.Fatal;
import grapple.state.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local mode: one console room whose member {@code @console:<domain>} (an admin) is whoever types.
 * Each line is a room message; {@code /state TYPE KEY JSON} edits room state by hand, once the
 * commands typed before it have been answered; any other line that starts with {@code /} is refused
 * ({@code //} sends one that starts with {@code /}). Everything the bot posts is printed. The
 * room's state lives in SQLite.
 */
public final class ConsoleGateway implements RoomGateway {
  private static final Logger log = LoggerFactory.getLogger(ConsoleGateway.class);

  private final String roomId;
  private final String userId;
  private final String botUserId;
  private final LocalStateStore state;
  private final Console console;
  private final AtomicLong eventCounter = new AtomicLong();

  /** Who each direct room (by {@link #directRoom}) is with, for the line that prints a message. */
  private final Map<String, String> directUsers = new ConcurrentHashMap<>();

  private @Nullable RoomEvents events;
  private @Nullable Thread reader;

  /** Where lines come from and go to: a jline terminal, plain streams, or nothing (headless). */
  public interface Console {
    /** Calls {@code onLine} for each line typed until the input ends; blocks. */
    void readLines(Consumer<String> onLine);

    void print(String text);

    /**
     * False when nobody can type (headless): the start-up banner then says no more than it must.
     */
    default boolean interactive() {
      return true;
    }

    /** Gives the terminal back (at shutdown). */
    default void close() {}
  }

  public ConsoleGateway(String domain, String botUserId, LocalStateStore state, Console console) {
    this.roomId = "!console:" + domain;
    this.userId = "@console:" + domain;
    this.botUserId = botUserId;
    this.state = state;
    this.console = console;
  }

  public String roomId() {
    return roomId;
  }

  public String userId() {
    return userId;
  }

  @Override
  public String botUserId() {
    return botUserId;
  }

  @Override
  public String send(String target, String eventType, ObjectNode content, String txnId) {
    String body = content.path("body").asText("");
    String who =
        target.equals(roomId)
            ? ""
            : " (direct message to " + directUsers.getOrDefault(target, target) + ")";
    console.print(name() + who + ": " + visible(body));
    return "$local" + eventCounter.incrementAndGet();
  }

  /**
   * {@code text} with every control character but line breaks and tabs shown as an escape ({@code
   * ESC} as {@code \\u001b}): what the bot posts may come from anyone who can reach a webhook, and
   * a terminal obeys control sequences (clear the screen, set the title or the clipboard, rewrite
   * the line above). Unicode's direction controls too (U+202E shows the rest of a line backwards in
   * a terminal that honours it, so a line can read as something other than what it holds).
   */
  public static String visible(String text) {
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean control =
          (Character.isISOControl(c) && c != '\n' && c != '\t') || isDirectionControl(c);
      if (control && out == null) out = new StringBuilder(text.length() + 16).append(text, 0, i);
      if (out == null) continue;
      if (control) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    return out == null ? text : out.toString();
  }

  /** The marks, embeddings, overrides and isolates that set the direction text is shown in. */
  private static boolean isDirectionControl(char c) {
    return c == '\u061c'
        || c == '\u200e'
        || c == '\u200f'
        || (c >= '\u202a' && c <= '\u202e')
        || (c >= '\u2066' && c <= '\u2069');
  }

  private String name() {
    return botUserId.substring(1, botUserId.indexOf(':'));
  }

  @Override
  public void putState(String room, String eventType, String stateKey, ObjectNode content) {
    state.put(new LocalStateStore.StateEvent(room, eventType, stateKey, botUserId, content));
  }

  /**
   * The stand-in for a direct room with {@code user}: one per full user ID, readable ({@code
   * !dm-alice@a.org:localhost}). By localpart alone, {@code @alice:a.org} and {@code @alice:b.org}
   * shared one room. The server name goes after the last {@code @} with its {@code %}, {@code @}
   * and {@code :} escaped, so no two user IDs meet and the room ID has no colon but its own. A
   * {@code user} that is no user ID ({@code @localpart:server}) is refused for good, as a
   * homeserver refuses to invite it: it threw StringIndexOutOfBoundsException.
   */
  @Override
  public String directRoom(String user) throws MatrixException {
    int colon = user.indexOf(':');
    if (!user.startsWith("@") || colon < 2 || colon == user.length() - 1)
      throw MatrixException.notSent(
          "no direct room with '" + user + "': a user ID is @localpart:server");
    String server =
        user.substring(colon + 1).replace("%", "%25").replace("@", "%40").replace(":", "%3A");
    String room =
        "!dm-" + user.substring(1, colon) + "@" + server + roomId.substring(roomId.indexOf(':'));
    directUsers.put(room, user);
    return room;
  }

  @Override
  public void join(String room) {
    // The console room is the only room in local mode; nothing to join.
  }

  @Override
  public void redact(String room, String eventId, String reason, String txnId) {
    // The console keeps no history to redact; the refusal reply says what to do.
  }

  @Override
  public void leave(String room, String reason) {
    // Nothing invites the bot in local mode.
  }

  @Override
  public void start(RoomEvents events, Runnable onLoaded) {
    this.events = events;
    for (RoomEvent.State s : baseState()) events.onEvent(s, true);
    for (LocalStateStore.StateEvent s : state.all(roomId)) {
      events.onEvent(
          new RoomEvent.State(
              roomId, nextEventId(), s.sender(), s.eventType(), s.stateKey(), s.content()),
          true);
    }
    onLoaded.run();
    console.print(banner());
    reader = Daemons.thread("console", () -> console.readLines(this::onLine));
    reader.start();
  }

  private String banner() {
    if (!console.interactive()) {
      return "Grapple is running in local mode without console input; messages to "
          + roomId
          + " are printed.";
    }
    return "Grapple is running in local mode. You are "
        + userId
        + " (admin) in "
        + roomId
        + ". Type `!grapple help`, or /state TYPE KEY JSON to edit room state.";
  }

  private List<RoomEvent.State> baseState() {
    ObjectNode powerLevels = Json.object().put("state_default", 50).put("users_default", 0);
    powerLevels.putObject("users").put(userId, 100).put(botUserId, 100);
    return List.of(
        new RoomEvent.State(
            roomId,
            nextEventId(),
            userId,
            "m.room.create",
            "",
            Json.object().put("room_version", "10").put("creator", userId)),
        new RoomEvent.State(
            roomId,
            nextEventId(),
            userId,
            "m.room.member",
            userId,
            Json.object().put("membership", "join")),
        new RoomEvent.State(
            roomId,
            nextEventId(),
            botUserId,
            "m.room.member",
            botUserId,
            Json.object().put("membership", "join")),
        new RoomEvent.State(roomId, nextEventId(), userId, "m.room.power_levels", "", powerLevels));
  }

  private synchronized void onLine(String line) {
    if (line.isBlank()) return;
    try {
      String text = line.stripLeading();
      if (text.startsWith("/") && !text.startsWith("//")) {
        consoleCommand(text);
        return;
      }
      // "//" sends a message that starts with "/": the first slash is dropped.
      String body = text.startsWith("//") ? text.substring(1) : line;
      ObjectNode content = Json.object().put("msgtype", "m.text").put("body", body);
      started().onEvent(new RoomEvent.Message(roomId, nextEventId(), userId, content), false);
    } catch (Throwable e) {
      // One line never stops the console: whatever handling it raised is logged, the next line is
      // read.
      Fatal.haltIfFatal(e);
      log.error("console: could not handle a line of {} characters", line.length(), e);
    }
  }

  /** What {@code /state} takes, for its refusals. */
  static final String STATE_USAGE =
      "Usage: /state TYPE KEY [JSON]  (KEY \"\" is the empty state key; no JSON, or {}, empties"
          + " the state)";

  /**
   * A line that starts with {@code /}: a console command, never posted to the room. A mistyped one
   * ({@code /stat}, {@code /State}) posted as a message would say in the room what was meant for
   * the console; it is refused here, naming the commands there are.
   */
  private void consoleCommand(String line) {
    String word = line.split("\\s", 2)[0];
    if (word.equals("/state")) {
      stateLine(line);
      return;
    }
    console.print(
        "Unknown console command "
            + visible(word)
            + "; nothing was sent. "
            + STATE_USAGE
            + ". To send a message that starts with /, type // (//me waves sends /me waves).");
  }

  private void stateLine(String line) {
    String[] parts = line.split("\\s+", 4);
    if (parts.length < 3) {
      console.print("Missing TYPE or KEY. " + STATE_USAGE);
      return;
    }
    // A state key may be empty (m.room.power_levels has one): written "" or ''.
    String stateKey = parts[2].equals("\"\"") || parts[2].equals("''") ? "" : parts[2];
    ObjectNode content;
    try {
      // Blank after the key (a trailing space) is no JSON, as the usage says: it empties the state.
      String json = parts.length == 4 ? parts[3].strip() : "";
      JsonNode parsed = json.isEmpty() ? Json.object() : Json.MAPPER.readTree(json);
      if (!parsed.isObject())
        throw new IllegalArgumentException("state content must be a JSON object");
      content = (ObjectNode) parsed;
    } catch (JsonProcessingException e) {
      // Jackson's own message runs on to a second line about its source ("REDACTED ...").
      String where =
          e.getLocation() == null ? "" : " (at column " + e.getLocation().getColumnNr() + ")";
      console.print("Not a JSON object: " + e.getOriginalMessage() + where + ". " + STATE_USAGE);
      return;
    } catch (IllegalArgumentException e) {
      console.print("Not a JSON object: " + e.getMessage() + ". " + STATE_USAGE);
      return;
    }
    if (!commandsAnswered()) return;
    state.put(new LocalStateStore.StateEvent(roomId, parts[1], stateKey, userId, content));
    started()
        .onEvent(
            new RoomEvent.State(roomId, nextEventId(), userId, parts[1], stateKey, content), false);
  }

  /** How long a {@code /state} line waits for the commands typed before it to be answered. */
  static final Duration COMMANDS_WAIT = Duration.ofSeconds(30);

  /**
   * Whether the commands typed before have been answered: they are answered on other threads, and a
   * {@code /state} line that edits what a command creates ({@code !grapple webhook ci}, then {@code
   * /state … ci {…}}) would otherwise take effect first and be undone by it, or make it fail. False
   * (said so) when they are still being answered after {@link #COMMANDS_WAIT}.
   */
  private boolean commandsAnswered() {
    try {
      if (started().awaitCommands(roomId, COMMANDS_WAIT)) return true;
    } catch (InterruptedException e) {
      // Stopping: the line is not applied.
      Thread.currentThread().interrupt();
      return false;
    }
    console.print(
        "The commands typed before are still being answered after "
            + COMMANDS_WAIT.toSeconds()
            + " s; the state was not changed. Type the /state line again once they are.");
    return false;
  }

  /** Lines are read only once start() has set the events to hand them to. */
  private RoomEvents started() {
    return Objects.requireNonNull(events, "events");
  }

  private String nextEventId() {
    return "$console" + System.nanoTime() + "-" + eventCounter.incrementAndGet();
  }

  @Override
  public void stop() {
    if (reader != null) reader.interrupt();
    console.close();
  }

  /**
   * Lines from a stream (a pipe or file) and output to a print stream: for a stdin that is no
   * terminal.
   */
  public static Console plain(InputStream in, PrintStream out) {
    return new Console() {
      @Override
      public void readLines(Consumer<String> onLine) {
        try (BufferedReader r =
            new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
          for (String line = r.readLine(); line != null; line = r.readLine()) onLine.accept(line);
        } catch (IOException e) {
          log.warn("console: input ended with an error: {}", e.getMessage());
        }
        log.info("console: end of input; still serving webhooks (stop with Ctrl-C or SIGTERM)");
      }

      @Override
      public synchronized void print(String text) {
        out.println(text);
        out.flush();
      }
    };
  }

  /** No input at all ({@code --no-console}); output still goes to {@code out}. */
  public static Console headless(PrintStream out) {
    return new Console() {
      @Override
      public void readLines(Consumer<String> onLine) {
        // Headless: nobody types.
      }

      @Override
      public boolean interactive() {
        return false;
      }

      @Override
      public synchronized void print(String text) {
        out.println(text);
        out.flush();
      }
    };
  }
}
