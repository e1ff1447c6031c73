package grapple.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/** A real user of the test homeserver, speaking the Matrix client-server API over HTTP. */
public final class MatrixUser {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  public static final ObjectMapper JSON = new ObjectMapper();

  private static final MediaType JSON_TYPE = MediaType.get("application/json");

  /**
   * A big timeline limit so /sync rarely skips events; when it does, {@link #backfill} fills in.
   */
  private static final String SYNC_FILTER =
      """
      {"room":{"timeline":{"limit":500}},"presence":{"types":[]},"account_data":{"types":[]}}""";

  private static final Duration LONG_POLL = Duration.ofSeconds(5);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(300);
  private static final int MAX_PAGES = 40;

  public final String userId;
  private final HttpUrl homeserver;
  private final String accessToken;
  private final OkHttpClient http;
  private final List<Seen> seen = new ArrayList<>();
  private final Set<String> seenEventIds = new HashSet<>();
  private final Set<String> invitedRoomIds = new HashSet<>();
  private final Set<String> joinedRoomIds = new HashSet<>();
  private @Nullable String since;
  private long lastSeq;

  /** A user who sends with {@code http}: one client per user, or one that many users share. */
  public MatrixUser(String homeserverUrl, String userId, String accessToken, OkHttpClient http) {
    this.homeserver = HttpUrl.get(homeserverUrl);
    this.userId = userId;
    this.accessToken = accessToken;
    this.http = http;
  }

  /** A client for one user: long reads for long-polled /sync, and a bound on every call. */
  static OkHttpClient newHttpClient() {
    return new OkHttpClient.Builder()
        .readTimeout(Duration.ofSeconds(60))
        .callTimeout(Duration.ofSeconds(90))
        .build();
  }

  /** Only for the bot's config: the tests never act as the bot. */
  public String accessToken() {
    return accessToken;
  }

  /** One event this user saw through /sync, numbered in the order it arrived. */
  public record Seen(long seq, String roomId, JsonNode event, boolean invite) {
    public String sender() {
      return event.path("sender").asText();
    }

    public String type() {
      return event.path("type").asText();
    }

    public JsonNode content() {
      return event.path("content");
    }

    public String body() {
      return content().path("body").asText("");
    }

    public String eventId() {
      return event.path("event_id").asText("");
    }

    /** The event id this message replies to, or "" if it is not a reply. */
    public String inReplyTo() {
      return content().path("m.relates_to").path("m.in_reply_to").path("event_id").asText("");
    }

    public boolean isMessageFrom(String sender) {
      return !invite && type().equals("m.room.message") && sender().equals(sender);
    }

    @Override
    public String toString() {
      String text = event.toString();
      return "#"
          + seq
          + (invite ? " invite " : " ")
          + roomId
          + " "
          + (text.length() > 600 ? text.substring(0, 600) + "…" : text);
    }
  }

  /** Thrown when the homeserver answers with an error status. */
  public static final class ApiError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int code;

    ApiError(int code, String message) {
      super(message);
      this.code = code;
    }

    /** The HTTP status. */
    public int code() {
      return code;
    }
  }

  // ---- Rooms and messages ----

  /** Creates a private room with these users in the power levels (plus state_default 50). */
  public String createRoom(Map<String, Integer> powerLevels, List<String> invite) {
    Map<String, Object> levels =
        Map.of("users", powerLevels, "state_default", 50, "users_default", 0);
    Map<String, Object> body =
        Map.of("preset", "private_chat", "invite", invite, "power_level_content_override", levels);
    return request("POST", api("createRoom").build(), JSON.valueToTree(body))
        .path("room_id")
        .asText();
  }

  public void invite(String roomId, String invitee) {
    request(
        "POST",
        api("rooms", roomId, "invite").build(),
        JSON.createObjectNode().put("user_id", invitee));
  }

  public void join(String roomId) {
    request("POST", api("join", roomId).build(), JSON.createObjectNode());
    synchronized (this) {
      joinedRoomIds.add(roomId);
    }
  }

  public synchronized boolean hasJoined(String roomId) {
    return joinedRoomIds.contains(roomId);
  }

  /** Sends an {@code m.text} message and returns its event id. */
  public String sendText(String roomId, String body) {
    ObjectNode content = JSON.createObjectNode().put("msgtype", "m.text").put("body", body);
    HttpUrl url =
        api("rooms", roomId, "send", "m.room.message", UUID.randomUUID().toString()).build();
    return request("PUT", url, content).path("event_id").asText();
  }

  /** Sends a state event and returns its event id. */
  public String putState(String roomId, String type, String stateKey, JsonNode content) {
    HttpUrl url = api("rooms", roomId, "state", type, stateKey).build();
    return request("PUT", url, content).path("event_id").asText();
  }

  /** Returns the content of a state event, or empty if the room has no such state. */
  public Optional<JsonNode> stateContent(String roomId, String type, String stateKey) {
    try {
      return Optional.of(
          request("GET", api("rooms", roomId, "state", type, stateKey).build(), null));
    } catch (ApiError e) {
      if (e.code() == 404) return Optional.empty();
      throw e;
    }
  }

  /** Every current state event of the room (full events, with sender). */
  public List<JsonNode> roomState(String roomId) {
    List<JsonNode> events = new ArrayList<>();
    request("GET", api("rooms", roomId, "state").build(), null).forEach(events::add);
    return events;
  }

  private Optional<JsonNode> stateEvent(String roomId, String type, String stateKey) {
    return roomState(roomId).stream()
        .filter(
            e ->
                e.path("type").asText().equals(type)
                    && e.path("state_key").asText().equals(stateKey))
        .findFirst();
  }

  /** Polls the room's state until the event (type, key) matches, and returns that event. */
  public JsonNode awaitStateEvent(
      String roomId,
      String type,
      String stateKey,
      String what,
      Predicate<JsonNode> match,
      Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Optional<JsonNode> last = Optional.empty();
    while (System.nanoTime() < deadline) {
      last = stateEvent(roomId, type, stateKey);
      if (last.isPresent() && match.test(last.get())) return last.get();
      Await.pause(POLL_INTERVAL);
    }
    throw new AssertionError(
        "state "
            + type
            + "/"
            + stateKey
            + " in "
            + roomId
            + " never became "
            + what
            + " within "
            + timeout.toSeconds()
            + " s; last: "
            + last.map(JsonNode::toString).orElse("(none)"));
  }

  public JsonNode awaitMembership(
      String roomId, String member, String membership, Duration timeout) {
    return awaitStateEvent(
        roomId,
        "m.room.member",
        member,
        "membership " + membership,
        e -> e.path("content").path("membership").asText().equals(membership),
        timeout);
  }

  public void setPowerLevel(String roomId, String member, int level) {
    ObjectNode levels = (ObjectNode) stateContent(roomId, "m.room.power_levels", "").orElseThrow();
    levels.withObjectProperty("users").put(member, level);
    putState(roomId, "m.room.power_levels", "", levels);
  }

  /** The room's whole timeline as this user may see it, oldest first, read with /messages. */
  public List<JsonNode> history(String roomId) {
    List<JsonNode> newestFirst = new ArrayList<>();
    String from = null;
    for (int page = 0; page < MAX_PAGES; page++) {
      JsonNode answer = messagesBackwards(roomId, from);
      answer.path("chunk").forEach(newestFirst::add);
      if (answer.path("chunk").isEmpty() || !answer.hasNonNull("end")) break;
      from = answer.get("end").asText();
    }
    Collections.reverse(newestFirst);
    return newestFirst;
  }

  private JsonNode messagesBackwards(String roomId, @Nullable String from) {
    HttpUrl.Builder url =
        api("rooms", roomId, "messages")
            .addQueryParameter("dir", "b")
            .addQueryParameter("limit", "500");
    if (from != null) url.addQueryParameter("from", from);
    return request("GET", url.build(), null);
  }

  // ---- Watching with /sync ----

  /** Syncs once without waiting and returns the number of the last event seen so far. */
  public synchronized long mark() {
    syncOnce(Duration.ZERO);
    return lastSeq;
  }

  /** Returns the first event seen (ever) in the room that matches, syncing until timeout. */
  public Seen awaitEvent(String roomId, Predicate<Seen> match, Duration timeout) {
    return awaitEvent(0, roomId, "a matching event", match, timeout);
  }

  /** Returns the first event seen after {@code after} in the room that matches. */
  public Seen awaitEvent(
      long after, String roomId, String what, Predicate<Seen> match, Duration timeout) {
    return await(
        after, what + " in " + roomId, s -> s.roomId().equals(roomId) && match.test(s), timeout);
  }

  public synchronized Seen await(long after, String what, Predicate<Seen> match, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<Seen> found = seenAfter(after).stream().filter(match).findFirst();
      if (found.isPresent()) return found.get();
      long leftNanos = deadline - System.nanoTime();
      if (leftNanos <= 0) {
        throw new AssertionError(
            userId
                + " saw no "
                + what
                + " within "
                + timeout.toSeconds()
                + " s. Last events seen after #"
                + after
                + ":\n"
                + describeLast(after, 15));
      }
      syncOnce(Duration.ofNanos(Math.min(leftNanos, LONG_POLL.toNanos())));
    }
  }

  /** Keeps syncing for the whole duration (to see what arrives in a time window). */
  public synchronized void syncFor(Duration duration) {
    long deadline = System.nanoTime() + duration.toNanos();
    for (long left = duration.toNanos(); left > 0; left = deadline - System.nanoTime()) {
      syncOnce(Duration.ofNanos(Math.min(left, LONG_POLL.toNanos())));
    }
  }

  public synchronized List<Seen> seenAfter(long after) {
    return seen.stream().filter(s -> s.seq() > after).collect(Collectors.toList());
  }

  public synchronized List<Seen> seenInRoom(long after, String roomId) {
    return seen.stream()
        .filter(s -> s.seq() > after && s.roomId().equals(roomId))
        .collect(Collectors.toList());
  }

  public synchronized String describeLast(long after, int count) {
    List<Seen> events = seenAfter(after);
    return events.subList(Math.max(0, events.size() - count), events.size()).stream()
        .map(s -> "  " + s)
        .collect(Collectors.joining("\n"));
  }

  /**
   * Long-polls /sync once; a homeserver that is down (the outage test) just costs a short pause.
   */
  public synchronized void syncOnce(Duration wait) {
    HttpUrl.Builder url =
        api("sync")
            .addQueryParameter("filter", SYNC_FILTER)
            .addQueryParameter("timeout", String.valueOf(wait.toMillis()));
    if (since != null) url.addQueryParameter("since", since);
    JsonNode answer;
    try {
      answer = request("GET", url.build(), null);
    } catch (UncheckedIOException e) {
      Await.pause(
          Duration.ofMillis(
              500)); // homeserver unreachable: the caller's deadline bounds the retries
      return;
    }
    answer
        .path("rooms")
        .path("join")
        .properties()
        .forEach(e -> joinedRoom(e.getKey(), e.getValue()));
    answer
        .path("rooms")
        .path("invite")
        .properties()
        .forEach(e -> invitedRoom(e.getKey(), e.getValue()));
    since = answer.path("next_batch").asText();
  }

  private void joinedRoom(String roomId, JsonNode room) {
    joinedRoomIds.add(roomId);
    JsonNode timeline = room.path("timeline");
    if (timeline.path("limited").asBoolean(false) && timeline.hasNonNull("prev_batch")) {
      backfill(roomId, timeline.get("prev_batch").asText());
    }
    timeline.path("events").forEach(event -> record(roomId, event, false));
  }

  /** /sync skipped events (a limited timeline): read them newest first until one already seen. */
  private void backfill(String roomId, String from) {
    List<JsonNode> missed = new ArrayList<>();
    for (int page = 0; page < MAX_PAGES && from != null; page++) {
      JsonNode answer = messagesBackwards(roomId, from);
      if (takeUnseen(answer.path("chunk"), missed) || answer.path("chunk").isEmpty()) break;
      from = answer.hasNonNull("end") ? answer.get("end").asText() : null;
    }
    Collections.reverse(missed);
    missed.forEach(event -> record(roomId, event, false));
  }

  /** Adds events until one was seen before; returns true if it met one. */
  private boolean takeUnseen(JsonNode newestFirst, List<JsonNode> missed) {
    for (JsonNode event : newestFirst) {
      if (seenEventIds.contains(event.path("event_id").asText())) return true;
      missed.add(event);
    }
    return false;
  }

  private void invitedRoom(String roomId, JsonNode room) {
    if (!invitedRoomIds.add(roomId)) return;
    for (JsonNode event : room.path("invite_state").path("events")) {
      boolean mine =
          event.path("type").asText().equals("m.room.member")
              && event.path("state_key").asText().equals(userId);
      if (mine) record(roomId, event, true);
    }
  }

  private void record(String roomId, JsonNode event, boolean invite) {
    String eventId = event.path("event_id").asText("");
    if (!eventId.isEmpty() && !seenEventIds.add(eventId)) return;
    seen.add(new Seen(++lastSeq, roomId, event, invite));
  }

  // ---- HTTP ----

  /** A URL under {@code /_matrix/client/v3/}, each segment encoded. */
  public HttpUrl.Builder api(String... segments) {
    HttpUrl.Builder url = homeserver.newBuilder().addPathSegments("_matrix/client/v3");
    for (String segment : segments) url.addPathSegment(segment);
    return url;
  }

  /** Sends one request as this user; throws {@link ApiError} for an error status. */
  public JsonNode request(String method, HttpUrl url, @Nullable JsonNode body) {
    RequestBody requestBody = body == null ? null : RequestBody.create(toBytes(body), JSON_TYPE);
    Request request =
        new Request.Builder()
            .url(url)
            .header("Authorization", "Bearer " + accessToken)
            .method(method, requestBody)
            .build();
    try (Response response = http.newCall(request).execute()) {
      String text = response.body().string();
      if (!response.isSuccessful()) {
        throw new ApiError(
            response.code(),
            userId
                + ": "
                + method
                + " "
                + url.encodedPath()
                + " answered "
                + response.code()
                + " "
                + text);
      }
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(
          userId + ": " + method + " " + url.encodedPath() + " failed", e);
    }
  }

  private static byte[] toBytes(JsonNode body) {
    try {
      return JSON.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
