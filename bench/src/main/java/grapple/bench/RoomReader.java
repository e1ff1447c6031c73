package grapple.bench;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.testing.MatrixUser;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import okhttp3.HttpUrl;

/**
 * Reads one room's new timeline events as a user sees them, with long-polled /sync; where /sync
 * skips events (a limited timeline) it fills the gap from /messages, so no event is missed.
 */
final class RoomReader {
  private static final int MAX_BACKFILL_PAGES = 200;

  /** One message seen, with the time (System.nanoTime) the reader first saw it. */
  record Seen(String eventId, String sender, String body, String inReplyTo, long seenAtNanos) {}

  private final MatrixUser user;
  private final String roomId;
  private final String filter;
  private final Set<String> eventIds = new HashSet<>();
  private final List<Seen> seen = new ArrayList<>();
  private final Map<String, Integer> bodyCounts = new HashMap<>();
  private String since;

  RoomReader(MatrixUser user, String roomId) {
    this.user = user;
    this.roomId = roomId;
    this.filter =
        "{\"room\":{\"rooms\":[\""
            + roomId
            + "\"],\"timeline\":{\"limit\":1000},\"state\":{\"lazy_load_members\":true}},"
            + "\"presence\":{\"types\":[]},\"account_data\":{\"types\":[]}}";
    prime();
  }

  /** Starts from now: what the room held before is marked seen and not counted. */
  private void prime() {
    JsonNode answer = sync(Duration.ZERO);
    answer
        .path("rooms")
        .path("join")
        .path(roomId)
        .path("timeline")
        .path("events")
        .forEach(e -> eventIds.add(e.path("event_id").asText()));
    since = answer.path("next_batch").asText();
  }

  /**
   * Long-polls once (a homeserver that is down costs a short pause); returns how many new messages.
   */
  synchronized int poll(Duration wait) {
    JsonNode answer;
    try {
      answer = sync(wait);
    } catch (UncheckedIOException | MatrixUser.ApiError e) {
      Bench.sleep(
          Duration.ofMillis(
              500)); // homeserver down (outage scenario): the caller's deadline bounds this
      return 0;
    }
    long now = System.nanoTime();
    int before = seen.size();
    JsonNode timeline = answer.path("rooms").path("join").path(roomId).path("timeline");
    if (timeline.path("limited").asBoolean(false) && timeline.hasNonNull("prev_batch")) {
      backfill(timeline.get("prev_batch").asText(), now);
    }
    timeline.path("events").forEach(e -> record(e, now));
    since = answer.path("next_batch").asText();
    return seen.size() - before;
  }

  /** Polls until {@code done} holds or the timeout passes; returns whether it held. */
  boolean pollUntil(Predicate<RoomReader> done, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.test(this)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) return false;
      poll(Duration.ofMillis(Math.min(Duration.ofNanos(left).toMillis(), 5_000)));
    }
    return true;
  }

  /** Keeps polling for the duration, to see late duplicates. */
  void pollFor(Duration duration) {
    long deadline = System.nanoTime() + duration.toNanos();
    for (long left = duration.toNanos(); left > 0; left = deadline - System.nanoTime()) {
      poll(Duration.ofMillis(Math.max(1, Math.min(Duration.ofNanos(left).toMillis(), 2_000))));
    }
  }

  private void backfill(String from, long now) {
    List<JsonNode> missed = new ArrayList<>();
    outer:
    for (int page = 0; page < MAX_BACKFILL_PAGES && from != null; page++) {
      HttpUrl url =
          user.api("rooms", roomId, "messages")
              .addQueryParameter("dir", "b")
              .addQueryParameter("limit", "1000")
              .addQueryParameter("from", from)
              .build();
      JsonNode answer = user.request("GET", url, null);
      if (answer.path("chunk").isEmpty()) break;
      for (JsonNode e : answer.path("chunk")) {
        if (eventIds.contains(e.path("event_id").asText())) break outer;
        missed.add(e);
      }
      from = answer.hasNonNull("end") ? answer.get("end").asText() : null;
    }
    Collections.reverse(missed);
    missed.forEach(e -> record(e, now));
  }

  private void record(JsonNode e, long now) {
    if (!eventIds.add(e.path("event_id").asText())) return;
    if (!e.path("type").asText().equals("m.room.message")) return;
    JsonNode content = e.path("content");
    String body = content.path("body").asText("");
    seen.add(
        new Seen(
            e.path("event_id").asText(),
            e.path("sender").asText(),
            body,
            content.path("m.relates_to").path("m.in_reply_to").path("event_id").asText(""),
            now));
    bodyCounts.merge(body, 1, Integer::sum);
  }

  private JsonNode sync(Duration wait) {
    HttpUrl.Builder url =
        user.api("sync")
            .addQueryParameter("filter", filter)
            .addQueryParameter("timeout", Long.toString(wait.toMillis()));
    if (since != null) url.addQueryParameter("since", since);
    return user.request("GET", url.build(), null);
  }

  synchronized List<Seen> seen() {
    return List.copyOf(seen);
  }

  /** How many times each message body was seen since the reader started. */
  synchronized Map<String, Integer> bodyCounts() {
    return Map.copyOf(bodyCounts);
  }

  synchronized int countSeen(Set<String> bodies) {
    int n = 0;
    for (String b : bodies) if (bodyCounts.containsKey(b)) n++;
    return n;
  }

  /** The time the last of these bodies was first seen, or -1 if one is missing. */
  synchronized long lastSeenNanos(Set<String> bodies) {
    long last = -1;
    for (Seen s : seen) if (bodies.contains(s.body())) last = Math.max(last, s.seenAtNanos());
    return countSeen(bodies) == bodies.size() ? last : -1;
  }
}
