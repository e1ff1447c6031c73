package grapple.bot.matrix;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.Backoff;
import grapple.bot.room.BatchWrites;
import grapple.bot.room.MatrixException;
import grapple.bot.room.RoomEvent;
import grapple.bot.room.RoomEvents;
import grapple.state.Fatal;
import grapple.state.Json;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Long-polls {@code /sync} and hands events to the core. The {@code since} token is stored only
 * after its batch was processed, together with the ids handled, so nothing is missed or done twice.
 */
final class SyncLoop implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(SyncLoop.class);
  private static final Duration POLL = Duration.ofSeconds(30);
  private static final Duration PRUNE_EVERY = Duration.ofHours(1);

  /** A gap in a limited timeline is fetched in pages of this many events, up to the maximum. */
  private static final int GAP_PAGE = 100;

  private static final int MAX_GAP_EVENTS = 1_000;

  /**
   * A room's gap holds at most this share of the most of an answer read ({@link
   * MatrixClient#MAX_ANSWER_BYTES}): half, 10 MiB with {@code -Xmx160m}. Bound by its event count
   * alone, one gap of large events (1,000 of up to 64 KiB) took 64 MiB, four to five times that
   * parsed, beside the batch it came with.
   */
  private static final int GAP_SHARE_OF_AN_ANSWER = 2;

  /**
   * The most events of a room's timeline a sync asks for; after an answer too large to read ({@link
   * MatrixClient.AnswerTooLarge}, e.g. after a long outage in busy rooms), a tenth of it, then one.
   */
  static final int TIMELINE_LIMIT = 100;

  /**
   * The first wait after an answer too large even with one event per room's timeline; each next is
   * twice as long, up to {@link #TOO_LARGE_MAX_WAIT}: every try reads up to {@link
   * MatrixClient#MAX_ANSWER_BYTES} again.
   */
  static final Duration TOO_LARGE_FIRST_WAIT = Duration.ofSeconds(30);

  static final Duration TOO_LARGE_MAX_WAIT = Duration.ofMinutes(5);

  /** Tries since the answers got too large even with one event per room's timeline. */
  private int tooLargeTries;

  /**
   * Why the sync reads no room although it runs: the homeserver refuses it for good ({@link
   * #waitWhileRefused}). Null once a sync works.
   */
  private volatile @Nullable String refused;

  /** Tries since the homeserver refused the sync for good. */
  private int refusedTries;

  /**
   * How long before the run's first batch was answered its first try was made (clock millis): a
   * message of that batch the homeserver had for less long was sent after the start ({@link
   * #sentBeforeStart}).
   */
  private long firstTryAgoMillis;

  /** The thread the loop runs on, once it runs: a stop cancels its calls. */
  private volatile @Nullable Thread runningOn;

  /** What the sync asks for now: {@link #TIMELINE_LIMIT}, or less after an answer too large. */
  private int timelineLimit = TIMELINE_LIMIT;

  /**
   * Why the sync reads no room although it runs: its answers are too large to read even with one
   * event per room's timeline (the state of the rooms alone is). Null once a sync works.
   */
  private volatile @Nullable String tooLarge;

  private final MatrixClient client;
  private final SyncStore store;
  private final String botUserId;
  private final Wanted wanted;
  private final Set<String> stateTypes;
  private final RoomEvents events;
  private final Runnable onLoaded;
  private final java.time.Clock clock;

  /**
   * How long the sync may go past what it is doing (a sync's whole allowed time, a pause) without a
   * sign of life before it counts as stuck: a gap's fetch that trickles, an event's handling that
   * never returns. A stuck sync reads no room; the watchdog then answers 503.
   */
  static final Duration STUCK_AFTER = Duration.ofMinutes(5);

  /** When the sync counts as stuck unless it shows a sign of life first (clock millis). */
  private volatile long stuckAtMillis = Long.MAX_VALUE;

  /** When it last showed one (clock millis). */
  private volatile long aliveAtMillis;

  private final Backoff backoff = new Backoff(Duration.ofSeconds(30));

  /** How the loop waits between tries (tests record the waits instead). */
  private volatile MatrixGateway.Pause pause = wait -> Thread.sleep(wait.toMillis());

  private volatile boolean running = true;
  private long prunedAtNanos;

  /**
   * Syncs that failed since the last one that worked (the sync thread's own): the first of an
   * outage is logged, the others only at debug, and its end once, with this count.
   */
  private int failedSyncs;

  SyncLoop(
      MatrixClient client,
      SyncStore store,
      String botUserId,
      Wanted wanted,
      RoomEvents events,
      Runnable onLoaded,
      java.time.Clock clock) {
    this.clock = clock;
    this.client = client;
    this.store = store;
    this.botUserId = botUserId;
    this.wanted = wanted;
    this.stateTypes = Set.copyOf(wanted.stateTypes());
    this.events = events;
    this.onLoaded = onLoaded;
  }

  /**
   * What to sync: the state types the core follows, and the timeline event types services take raw
   * beside messages and that state (filter syntax, {@code *} for any).
   */
  record Wanted(List<String> stateTypes, List<String> roomEventTypes) {
    Wanted {
      stateTypes = List.copyOf(stateTypes);
      roomEventTypes = List.copyOf(roomEventTypes);
    }
  }

  /** Waits with {@code pause} instead of sleeping between tries (tests). */
  void pauseWith(MatrixGateway.Pause pause) {
    this.pause = pause;
  }

  void stop() {
    running = false;
    Thread thread = runningOn;
    if (thread != null) client.cancelCallsOf(thread);
  }

  @Override
  public void run() {
    runningOn = Thread.currentThread();
    long firstTryAtMillis = clock.millis();
    String filterId = null;
    String since = store.since().orElse(null);
    boolean loaded = false;
    while (running) {
      try {
        if (filterId == null) filterId = client.createFilter(botUserId, filter());
        // The first sync of a run returns at once (so /ready does not wait out a long poll) and
        // carries every joined room's whole state: members and power levels live in memory only.
        Duration poll = loaded ? POLL : Duration.ZERO;
        busyFor(client.syncCallLimit(poll, !loaded || since == null));
        JsonNode batch = client.sync(since, filterId, poll, !loaded);
        busyFor(Duration.ZERO);
        if (!loaded) firstTryAgoMillis = clock.millis() - firstTryAtMillis;
        String next = nextBatch(batch);
        // Work left by a batch that failed before its commit: that batch comes again, and makes it
        // again.
        events.takeWrites();
        List<String> handled = process(batch, since, !loaded);
        BatchWrites writes = events.takeWrites();
        busyFor(Duration.ZERO);
        store.commit(next, handled, writes.work());
        // Only a committed batch moves the position: one whose commit failed is fetched again.
        since = next;
        writes.afterCommit();
        pruneNowAndThen();
        if (failedSyncs > 0)
          log.info(
              "homeserver reachable again after {} failed sync{}",
              failedSyncs,
              failedSyncs == 1 ? "" : "s");
        failedSyncs = 0;
        backoff.reset();
        refused = null;
        refusedTries = 0;
        if (answerFitsAgain()) filterId = null;
        if (!loaded) {
          loaded = true;
          onLoaded.run();
        }
      } catch (MatrixClient.AnswerTooLarge e) {
        // Asked again as it is, the answer is as large again: the sync was retried for ever, read
        // no room, and nothing but a log line said so. Fewer events per timeline make it smaller;
        // those left out since the last sync are fetched as a gap, page by page.
        if (fewerEventsAfter(e)) {
          filterId = null;
          pause(e);
        } else waitWhileTooLarge(e);
      } catch (IOException e) {
        // A filter the homeserver no longer knows (its database restored or moved: Synapse answers
        // 400 M_INVALID_PARAM "No such filter") would fail every sync until a restart: made again.
        if (filterId != null && forgotFilter(e)) filterId = null;
        if (e instanceof MatrixException m && refusedForGood(m)) waitWhileRefused(m);
        else pause(e);
      } catch (RuntimeException e) {
        log.error("sync: a batch failed; it will be fetched again", e);
        pause(e);
      } catch (Throwable e) {
        Fatal.haltIfFatal(e);
        log.error("sync: a batch failed; it will be fetched again", e);
        pause(new IOException(e.toString(), e));
      }
    }
  }

  /**
   * After an answer too large to read: true when the timeline limit was lowered (the filter must be
   * made again); at one event already, the sync counts as stuck, saying why.
   */
  private boolean fewerEventsAfter(MatrixClient.AnswerTooLarge e) {
    if (timelineLimit > 1) {
      timelineLimit = Math.max(1, timelineLimit / 10);
      log.warn(
          "sync: {}; asking again with at most {} event(s) per room's timeline",
          e.getMessage(),
          timelineLimit);
      return true;
    }
    tooLarge =
        "the homeserver's sync answers are too large to read even with one event per room ("
            + e.getMessage()
            + "), so no room is read; see the log";
    return false;
  }

  /**
   * After a sync that worked: true when the timeline limit goes back to {@link #TIMELINE_LIMIT}
   * (the filter must be made again). The position has moved past what made the answer large.
   */
  private boolean answerFitsAgain() {
    tooLarge = null;
    tooLargeTries = 0;
    if (timelineLimit == TIMELINE_LIMIT) return false;
    log.info(
        "sync: the answer fit with at most {} event(s) per room's timeline; asking for {} again",
        timelineLimit,
        TIMELINE_LIMIT);
    timelineLimit = TIMELINE_LIMIT;
    return true;
  }

  /**
   * Waits after an answer too large even with one event per room's timeline, longer at each try
   * (see {@link #TOO_LARGE_FIRST_WAIT}). Said once, when it starts: the watchdog answers 503 while
   * it lasts, and a log line per try said nothing new.
   */
  private void waitWhileTooLarge(MatrixClient.AnswerTooLarge e) {
    Duration wait = slowWait(tooLargeTries);
    if (tooLargeTries++ == 0)
      log.error(
          "sync: the homeserver's answers are too large to read even with one event per room's"
              + " timeline ({}), so no room is read (the most read is an eighth of the heap, -Xmx,"
              + " 128 MiB at most); asking again in {} s, then less and less often, up to every {}"
              + " min",
          e.getMessage(),
          wait.toSeconds(),
          TOO_LARGE_MAX_WAIT.toMinutes());
    else log.debug("sync: {}; asking again in {} s", e.getMessage(), wait.toSeconds());
    failedSyncs++;
    sleep(wait);
  }

  /**
   * The wait before asking again at the {@code tries}-th try (from 0) of a sync that reads no room
   * until something changes: {@link #TOO_LARGE_FIRST_WAIT}, then twice as long each time, up to
   * {@link #TOO_LARGE_MAX_WAIT}.
   */
  private static Duration slowWait(int tries) {
    Duration wait = TOO_LARGE_FIRST_WAIT.multipliedBy(1L << Math.min(tries, 4));
    return wait.compareTo(TOO_LARGE_MAX_WAIT) > 0 ? TOO_LARGE_MAX_WAIT : wait;
  }

  /**
   * Whether the homeserver itself refused the sync in a way no retry mends alone: a 401 (the bot's
   * access token logged out, revoked or expired, and no password to log in again with, or that
   * login refused too) or a 403 (the account locked, or blocked until it agrees to the server's
   * terms). A proxy's 401 or 403 page passes like any outage.
   */
  private static boolean refusedForGood(MatrixException e) {
    return e.fromHomeserver() && (e.status() == 401 || e.status() == 403);
  }

  /**
   * Waits after the homeserver refused the sync for good ({@link #refusedForGood}): retried every
   * 30 s at most with one warning, the bot read no room while /ready said 200. Now /ready answers
   * 503 saying why ({@link #refused}, the status and errcode only), the log says it once at ERROR,
   * and the sync asks again after 30 s, then twice as long each time, up to every 5 minutes: an
   * account unlocked or a homeserver put right is taken up without a restart.
   */
  private void waitWhileRefused(MatrixException e) {
    Duration wait = slowWait(refusedTries);
    refused =
        "the homeserver refuses the bot's sync (HTTP "
            + e.status()
            + " "
            + e.errcode()
            + "), so no room is read; see the log";
    if (refusedTries++ == 0)
      log.error(
          "sync: the homeserver refuses the bot ({}), so no room is read; {}; asking again in {} s,"
              + " then less and less often, up to every {} min",
          e.getMessage(),
          e.status() == 401
              ? "its access token is not valid any more: set a new bot.accessToken (or"
                  + " GRAPPLE_ACCESS_TOKEN) or bot.password and restart Grapple"
              : "the bot's account may be locked or blocked: ask the homeserver's admin",
          wait.toSeconds(),
          TOO_LARGE_MAX_WAIT.toMinutes());
    else log.debug("sync: refused ({}); asking again in {} s", e.getMessage(), wait.toSeconds());
    failedSyncs++;
    sleep(wait);
  }

  /** Why the sync reads no room because the homeserver refuses it, while it does. */
  java.util.Optional<String> refused() {
    return running ? java.util.Optional.ofNullable(refused) : java.util.Optional.empty();
  }

  /**
   * A sign of life: the sync is busy for at most {@code allowance} more (a call's limit, a pause),
   * and counts as stuck once that and {@link #STUCK_AFTER} have passed with no other sign.
   */
  private void busyFor(Duration allowance) {
    long now = clock.millis();
    aliveAtMillis = now;
    stuckAtMillis = now + allowance.plus(STUCK_AFTER).toMillis();
  }

  /**
   * Why the sync counts as stuck, if it does: it has shown no sign of life for longer than what it
   * was doing may take, or its answers are too large to read even with one event per room, so it
   * reads no room. Said again as long as it lasts (the watchdog logs it once).
   */
  java.util.Optional<String> stuck() {
    String over = tooLarge;
    if (running && over != null) return java.util.Optional.of(over);
    long now = clock.millis();
    if (!running || now < stuckAtMillis) return java.util.Optional.empty();
    return java.util.Optional.of(
        "the sync with the homeserver has not moved for "
            + (now - aliveAtMillis) / 1000
            + " s (a homeserver call that does not end? an event whose handling does not"
            + " return?), so no room is read; see the log and restart Grapple");
  }

  /** True when the homeserver refused a sync's filter id as unknown or invalid. */
  private static boolean forgotFilter(IOException e) {
    return e instanceof MatrixException m
        && m.fromHomeserver()
        && (m.status() == 400 || m.status() == 404)
        && (m.errcode().equals("M_INVALID_PARAM") || m.errcode().equals("M_NOT_FOUND"));
  }

  /**
   * The position to sync on from. An answer without one (a proxy's {@code {}}, a broken server) is
   * an error: taking it as an empty position would store it, and the next sync would start over
   * from the room's history instead of going on.
   */
  private static String nextBatch(JsonNode batch) throws IOException {
    JsonNode next = batch.path("next_batch");
    if (next.isTextual() && !next.asText().isEmpty()) return next.asText();
    throw new IOException("the homeserver's /sync answer has no next_batch; asking again");
  }

  /**
   * Forgets old handled event ids after the first batch of a run, then hourly: the table stays
   * small.
   */
  private void pruneNowAndThen() {
    long now = System.nanoTime();
    if (prunedAtNanos != 0 && now - prunedAtNanos < PRUNE_EVERY.toNanos()) return;
    prunedAtNanos = now;
    store.prune();
  }

  private void pause(Exception e) {
    if (!running) return;
    Duration wait =
        e instanceof MatrixException m && m.retryAfter().isPresent()
            ? m.retryAfter().get()
            : backoff.next();
    if (++failedSyncs == 1)
      log.warn(
          "sync failed ({}); retrying in {} ms (said again once a sync works)",
          e.getMessage(),
          wait.toMillis());
    else log.debug("sync failed ({}); retrying in {} ms", e.getMessage(), wait.toMillis());
    sleep(wait);
  }

  private void sleep(Duration wait) {
    if (!running) return;
    busyFor(wait);
    try {
      pause.sleep(wait);
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      running = false;
    }
  }

  /**
   * {@code initial}: the first sync ever (its timeline is history); {@code firstOfRun}: the first
   * batch since start, whose room state is every joined room's whole state, replayed at each start.
   */
  private List<String> process(JsonNode batch, @Nullable String since, boolean firstOfRun)
      throws IOException {
    boolean initial = since == null;
    List<String> handled = new ArrayList<>();
    JsonNode rooms = batch.path("rooms");
    // A room the bot left, was kicked or banned from since the last batch: its timeline runs up to
    // and including the bot's own leave event. Taken in like a joined room's, so the core learns
    // the bot is no longer in it (its hooks stop accepting what could never be delivered) and sees
    // what came before. First: a room left and joined again since then is in both, and
    // is joined.
    // Each room's gap is handed on before the next room's is fetched: holding every room's until
    // all were fetched took up to 1,000 events a room at once after a restart. A fetch that fails
    // for now makes the whole batch come again, so what the rooms before it handed on is recorded
    // as handled first (the position unchanged), and skipped when the batch comes again.
    for (String section : List.of("leave", "join")) {
      for (Map.Entry<String, JsonNode> room : rooms.path(section).properties()) {
        List<JsonNode> gap = List.of();
        if (since != null && hasGap(room.getValue(), firstOfRun)) {
          recordHandled(handled);
          gap = gap(room.getKey(), room.getValue(), since);
        }
        joinedRoom(room.getKey(), room.getValue(), gap, initial, firstOfRun, handled);
      }
    }
    for (Map.Entry<String, JsonNode> room : rooms.path("invite").properties()) {
      invitedRoom(room.getKey(), room.getValue());
    }
    if (firstOfRun) {
      Set<String> joined = new java.util.HashSet<>();
      rooms.path("join").fieldNames().forEachRemaining(joined::add);
      events.joinedAtStart(joined);
    }
    return handled;
  }

  /**
   * Records the events handed on so far as handled, with the work they queued, the position
   * unchanged: before a room's gap is fetched, whose failure makes the batch come again.
   */
  private void recordHandled(List<String> handled) {
    BatchWrites writes = events.takeWrites();
    if (handled.isEmpty() && writes.work().isEmpty() && writes.committed().isEmpty()) return;
    busyFor(Duration.ZERO);
    store.record(handled, writes.work());
    handled.clear();
    writes.afterCommit();
  }

  /**
   * A joined room's state then timeline. Its state section is loaded state ({@code initial}) only
   * in the run's first batch; later, it is news: a room just joined, or the state in a gap of a
   * limited timeline.
   */
  private void joinedRoom(
      String roomId,
      JsonNode room,
      List<JsonNode> gap,
      boolean initial,
      boolean firstOfRun,
      List<String> handled) {
    // The tombstone first: a room upgraded takes no new connection from its state (as hookshot,
    // which skips such rooms at start), whatever order the homeserver lists its state in.
    // Synapse may list a state event of the last batch's timeline again in this batch's state
    // section: handled again, a refused hand edit was put back and told twice. Such a repeat is
    // skipped; the state of a room joined in this batch is all taken (it is the room's state).
    JsonNode state = room.path("state").path("events");
    boolean mayRepeat = !firstOfRun && !joinedNow(room);
    Set<String> stateKeys = new java.util.HashSet<>();
    for (boolean tombstones : new boolean[] {true, false}) {
      for (JsonNode e : state) {
        if (!e.has("state_key") || isTombstone(e) != tombstones) continue;
        stateKeys.add(stateKey(e));
        if (mayRepeat && store.processed(e.path("event_id").asText())) continue;
        deliver(roomId, e, () -> events.onEvent(state(roomId, e), firstOfRun));
        // News is recorded as handled, as a timeline's is: listed again in a later batch's state
        // section, it was handed on again. The run's first batch (every room's whole state) is not.
        if (!firstOfRun) handled.add(e.path("event_id").asText());
      }
    }
    List<JsonNode> timeline = new ArrayList<>(gap);
    room.path("timeline").path("events").forEach(timeline::add);
    for (int i = 0; i < timeline.size(); i++) {
      JsonNode e = timeline.get(i);
      String eventId = e.path("event_id").asText();
      if (!initial && store.processed(eventId)) continue;
      // The state section is the state at the timeline's start: it already holds what the gap's
      // state events changed. Handed to the core again, in order, they would take it back to an
      // older value and forward once more (a connection edited back and again).
      boolean inStateSection =
          i < gap.size() && e.has("state_key") && stateKeys.contains(stateKey(e));
      deliver(
          roomId, e, () -> timelineEvent(roomId, e, eventId, initial, firstOfRun, !inStateSection));
      handled.add(eventId);
    }
  }

  /** A state event's type and state key, as one key. */
  private static String stateKey(JsonNode e) {
    return e.path("type").asText() + '\u0000' + e.path("state_key").asText();
  }

  private static boolean isTombstone(JsonNode event) {
    return event.path("type").asText().equals("m.room.tombstone");
  }

  /**
   * Whether a room's timeline is limited (more came since the last batch than the filter's limit,
   * e.g. after an outage) with events left out that are news. The run's first batch carries every
   * room's whole state, the bot's own join among it: whether the bot joined since then is told by
   * the timeline there, and the gap starts at the bot's join if it holds one ({@link #gap}). Judged
   * by its state section, every room of a restart after downtime had its gap skipped, and what came
   * in it was never handed on. A room joined in a later batch has no gap: what came before is the
   * room's history.
   */
  private boolean hasGap(JsonNode room, boolean firstOfRun) {
    JsonNode timeline = room.path("timeline");
    boolean joined = firstOfRun ? joinedIn(timeline) : joinedNow(room);
    return timeline.path("limited").asBoolean(false)
        && !timeline.path("prev_batch").asText("").isEmpty()
        && !joined;
  }

  /**
   * The events a limited timeline left out, oldest first: fetched with {@code /messages} back to
   * {@code since}, at most {@link #MAX_GAP_EVENTS}, so that outbound hooks and commands miss none;
   * from the bot's join if the gap holds it (what came before is the room's history).
   */
  private List<JsonNode> gap(String roomId, JsonNode room, String since) throws IOException {
    String from = room.path("timeline").path("prev_batch").asText("");
    ObjectNode filter = Json.object();
    filter.set("types", timelineTypes());
    List<JsonNode> newestFirst = new ArrayList<>();
    int pageSize = GAP_PAGE;
    long maxBytes = client.answerLimit() / GAP_SHARE_OF_AN_ANSWER;
    long held = 0;
    while (newestFirst.size() < MAX_GAP_EVENTS) {
      JsonNode page;
      busyFor(Duration.ZERO);
      try {
        MatrixClient.Page read =
            client.messagesBefore(roomId, from, since, filter, pageSize, maxBytes - held);
        page = read.answer();
        held += read.bytes();
      } catch (MatrixClient.AnswerTooLarge e) {
        // Left to the sync's own handling, a page too large made the sync ask for fewer events per
        // timeline (which makes no page smaller) and then count as stuck, naming the sync. Asked
        // again an event at a time; an event alone too large ends this room's gap there, and so
        // does a page over what is left of the gap's bytes, as its count bound does.
        if (pageSize > 1 && held == 0) {
          pageSize = 1;
          continue;
        }
        if (held > 0) {
          log.warn(
              "sync: room {}: the events a limited timeline left out are over {} bytes; {} of them"
                  + " fetched ({} bytes), the older ones are skipped",
              roomId,
              maxBytes,
              newestFirst.size(),
              held);
          break;
        }
        log.warn(
            "sync: room {}: an event a limited timeline left out is too large to read ({}); {} of"
                + " them fetched, the older ones are skipped",
            roomId,
            e.getMessage(),
            newestFirst.size());
        break;
      } catch (MatrixException e) {
        if (e.mayPassLater()) throw e; // the batch is fetched again
        // Refused for good (a 403 or 404 for this room, a server that takes no sync token as
        // `to`): asking again would stop the whole sync forever, so this room's gap is given up.
        log.warn(
            "sync: room {}: the homeserver refused the events a limited timeline left out ({});"
                + " {} of them fetched, the older ones are skipped",
            roomId,
            e.getMessage(),
            newestFirst.size());
        break;
      }
      page.path("chunk").forEach(newestFirst::add);
      String end = page.path("end").asText("");
      if (page.path("chunk").isEmpty() || end.isEmpty() || end.equals(from)) break;
      from = end;
    }
    if (newestFirst.size() >= MAX_GAP_EVENTS)
      log.warn(
          "sync: room {} had more than {} events while the bot was away; the oldest were not"
              + " fetched",
          roomId,
          MAX_GAP_EVENTS);
    java.util.Collections.reverse(newestFirst);
    for (int i = newestFirst.size() - 1; i >= 0; i--) {
      if (isOwnJoin(newestFirst.get(i))) return newestFirst.subList(i, newestFirst.size());
    }
    return newestFirst;
  }

  /**
   * Every event goes raw to the services that asked for it; then followed state to the core, and
   * messages to the core. Other state (asked for by a service, e.g. {@code *}) and other events
   * (reactions, redactions) reach no one else: commands and connections see what they always did.
   * {@code stateToCore} false: a state event of a gap whose outcome the state section gave the
   * core.
   *
   * <p>A message of the run's first batch came before the bot's start: the homeserver had it when
   * that sync (which does not wait) was asked, so it is read but not answered as a command. Told by
   * its {@code origin_server_ts} against this machine's start instead, two clocks were compared
   * (the sender's homeserver's and this machine's): one 10 minutes behind had commands sent while
   * the bot was down answered, one ahead had every command of the first 10 minutes ignored.
   */
  private void timelineEvent(
      String roomId,
      JsonNode e,
      String eventId,
      boolean initial,
      boolean firstOfRun,
      boolean stateToCore) {
    if (!initial && e.isObject()) {
      ObjectNode raw = ((ObjectNode) e).deepCopy();
      raw.put("room_id", roomId);
      events.onRoomEvent(roomId, raw);
    }
    if (e.has("state_key")) {
      if (stateToCore && stateTypes.contains(e.path("type").asText()))
        events.onEvent(state(roomId, e), initial);
    } else if (e.path("type").asText().equals("m.room.message")) {
      events.onEvent(
          new RoomEvent.Message(roomId, eventId, e.path("sender").asText(), content(e)),
          initial || (firstOfRun && sentBeforeStart(e)));
    }
  }

  /**
   * Whether a message of the run's first batch was on the homeserver before that batch's first try:
   * its {@code unsigned.age} (how long the homeserver has had it, by its own clock) is at least the
   * time from that try to the answer (by this machine's). Two durations, not two clocks. When the
   * first try failed and was retried (the homeserver down a while, a refusal, a commit that
   * failed), every message sent meanwhile, after the start, came in that batch and went unanswered
   * as sent before it. Without an age, a message counts as sent before.
   */
  private boolean sentBeforeStart(JsonNode e) {
    JsonNode age = e.path("unsigned").path("age");
    return !age.isIntegralNumber() || !age.canConvertToLong() || age.asLong() >= firstTryAgoMillis;
  }

  /**
   * Hands one event to the core. Whatever handling it raises is that event's failure: logged, and
   * the event counts as handled, so one bad event can neither stop the sync nor be retried forever.
   * An event nested deeper than any real one is not handed on at all.
   */
  private void deliver(String roomId, JsonNode e, Runnable handle) {
    busyFor(Duration.ZERO);
    try {
      if (Json.depth(e.path("content")) > Json.MAX_DEPTH) {
        log.warn(
            "room {}: ignored event {} from {}: its content is nested deeper than {} levels",
            roomId,
            e.path("event_id").asText(),
            e.path("sender").asText(),
            Json.MAX_DEPTH);
        return;
      }
      handle.run();
    } catch (Throwable failure) {
      Fatal.haltIfFatal(failure);
      log.error(
          "room {}: handling event {} ({}) failed; skipped",
          roomId,
          e.path("event_id").asText(),
          e.path("type").asText(),
          failure);
    }
  }

  private void invitedRoom(String roomId, JsonNode room) {
    for (JsonNode e : room.path("invite_state").path("events")) {
      boolean forBot =
          e.path("type").asText().equals("m.room.member")
              && e.path("state_key").asText().equals(botUserId)
              && e.path("content").path("membership").asText().equals("invite");
      if (forBot) events.onEvent(new RoomEvent.Invite(roomId, e.path("sender").asText()), false);
    }
  }

  /**
   * A state event as the core takes it. One redacted ({@code unsigned.redacted_because}: its
   * content stripped, so the room's state there is empty now) is the redactor's emptying of it: the
   * core judges whether they may, as it does when the redaction comes live; otherwise a
   * connection's state redacted while the bot was away came back as its author's removal. Not for
   * the spec's own types ({@code m.*}), whose redaction keeps the fields that matter and whose
   * sender does (a room version 12 creator).
   */
  private static RoomEvent.State state(String roomId, JsonNode e) {
    JsonNode redactedBy = e.path("unsigned").path("redacted_because").path("sender");
    boolean emptiedByRedactor = redactedBy.isTextual() && !e.path("type").asText().startsWith("m.");
    return new RoomEvent.State(
        roomId,
        e.path("event_id").asText(),
        emptiedByRedactor ? redactedBy.asText() : e.path("sender").asText(),
        e.path("type").asText(),
        e.path("state_key").asText(),
        content(e));
  }

  private static ObjectNode content(JsonNode e) {
    JsonNode content = e.path("content");
    return content.isObject() ? (ObjectNode) content : Json.object();
  }

  /**
   * Whether the bot joined the room in this batch: what came before is the room's history, not a
   * gap, and is neither answered nor sent on.
   */
  private boolean joinedNow(JsonNode room) {
    return joinedIn(room.path("state")) || joinedIn(room.path("timeline"));
  }

  /** Whether a section ({@code state}, {@code timeline}) of a room holds the bot's join. */
  private boolean joinedIn(JsonNode section) {
    for (JsonNode e : section.path("events")) {
      if (isOwnJoin(e)) return true;
    }
    return false;
  }

  /**
   * The bot's join; not a change of its display name or avatar (a join after a join, as the bot's
   * own profile update at start makes in every room): that is no start of the room's news.
   */
  private boolean isOwnJoin(JsonNode e) {
    return e.path("type").asText().equals("m.room.member")
        && e.path("state_key").asText().equals(botUserId)
        && e.path("content").path("membership").asText().equals("join")
        && !e.path("unsigned").path("prev_content").path("membership").asText().equals("join");
  }

  /** The event types of a room's timeline the bot reads, in its sync and in a gap. */
  private ArrayNode timelineTypes() {
    ArrayNode types = Json.MAPPER.createArrayNode().add("m.room.message");
    wanted.stateTypes().forEach(types::add);
    wanted.roomEventTypes().forEach(types::add);
    return types;
  }

  /**
   * Only what the bot reads: messages, the state types that matter and what services asked for; no
   * presence or receipts.
   */
  private ObjectNode filter() {
    ObjectNode filter = Json.object();
    filter.putObject("presence").putArray("not_types").add("*");
    filter.putObject("account_data").putArray("not_types").add("*");
    ObjectNode room = filter.putObject("room");
    room.putObject("ephemeral").putArray("not_types").add("*");
    room.putObject("account_data").putArray("not_types").add("*");
    ObjectNode timeline = room.putObject("timeline").put("limit", timelineLimit);
    timeline.set("types", timelineTypes());
    ObjectNode state = room.putObject("state").put("lazy_load_members", false);
    wanted.stateTypes().forEach(t -> state.withArray("types").add(t));
    return filter;
  }
}
