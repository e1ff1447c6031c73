package grapple.bot.feed;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.outbox.Outbox;
import grapple.state.Connection;
import grapple.state.Daemons;
import grapple.state.OutboxStore;
import grapple.state.SqlWork;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls each distinct feed URL once per interval, however many rooms follow it, spread over the
 * interval; backs off a failing URL exponentially (stored, so a restart does not hammer it); posts
 * each new item once per connection, the post and the "seen" mark committed together.
 */
final class FeedPoller implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FeedPoller.class);
  private static final Duration MAX_BACKOFF = Duration.ofDays(1);

  private final FeedSettings settings;
  private final FeedSource fetcher;
  private final FeedStore store;
  private final Outbox outbox;
  private final Predicate<String> botNotIn;
  private final Clock clock;
  private final String commandPrefix;
  private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
  private final Map<String, Long> nextPollAt = new ConcurrentHashMap<>();
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService ticker;
  private final ExecutorService workers;

  /** A room following a feed: its connection and its parsed config (filters compiled once). */
  record Subscription(Connection connection, FeedConfig config) {
    String id() {
      return connection.id();
    }

    String url() {
      return connection.stateKey();
    }

    String roomId() {
      return connection.roomId();
    }

    /** The label, else the URL without its credentials ({@link FeedText#withoutSecrets}). */
    String name() {
      return config.label().orElseGet(() -> FeedText.withoutSecrets(connection.stateKey()));
    }
  }

  /**
   * {@code botNotIn} says whether the bot is known not to be in a room: a room it left (or was
   * kicked or banned from) is skipped, its items kept unseen for when the bot is back. {@code
   * commandPrefix}: the bot's (the first of {@code bot.commandPrefixes}), for the commands a notice
   * names.
   */
  FeedPoller(
      FeedSettings settings,
      FeedSource fetcher,
      FeedStore store,
      Outbox outbox,
      Clock clock,
      Predicate<String> botNotIn,
      String commandPrefix) {
    this.botNotIn = botNotIn;
    this.commandPrefix = commandPrefix;
    this.settings = settings;
    this.fetcher = fetcher;
    this.store = store;
    this.outbox = outbox;
    this.clock = clock;
    this.ticker = Executors.newSingleThreadScheduledExecutor(Daemons.numbered("feed-scheduler"));
    this.workers =
        Executors.newFixedThreadPool(settings.pollConcurrency(), Daemons.numbered("feed-poll"));
  }

  /**
   * Starts polling: nothing is fetched or recorded before this. An instance that followed until now
   * took each URL's schedule from the database when it took the URL up; the leader before it has
   * polled (and backed off) since, so the stored schedule is read again.
   */
  void start() {
    try {
      Map<String, Long> stored = store.nextPolls();
      nextPollAt.replaceAll(
          (url, at) -> {
            Long next = stored.get(url);
            return at == 0L || next == null || next <= 0 ? at : next;
          });
    } catch (RuntimeException e) {
      log.warn("feeds: could not read the stored poll schedule; polling by the one taken up", e);
    }
    tickedAtNanos = System.nanoTime();
    started = true;
    ticker.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
  }

  /**
   * Follows a connection; a new one (not primed) is polled at once, to mark what the feed holds now
   * as seen.
   */
  void register(Subscription s, boolean isNew) {
    subscriptions.put(s.id(), s);
    String url = s.url();
    // Not primed yet: made a moment ago, here or on another instance (which does not poll), or
    // before a crash. Polled at once, so what the feed holds now is marked seen and later items
    // post.
    if (isNew) {
      // The same room may have followed the feed before (its id is the same): what a poll still
      // running at its removal stored is of no concern to the new subscription.
      store.forget(s.id());
    }
    if (isNew || !store.state(s.id()).primed()) {
      nextPollAt.put(url, 0L);
      return;
    }
    nextPollAt.computeIfAbsent(url, this::firstPollAt);
  }

  /**
   * A restart keeps a URL's stored next poll (and backoff); a URL never polled gets a spread slot.
   */
  private long firstPollAt(String url) {
    return store
        .url(url)
        .map(FeedStore.UrlState::nextPollAt)
        .filter(at -> at > 0)
        .orElseGet(() -> clock.millis() + Math.floorMod(url.hashCode(), intervalMillis()));
  }

  /**
   * Stops following a connection; once no room follows its URL, what was stored of the URL goes
   * too: a feed removed while failing was counted in {@code grapple_feeds_failing} for good, and
   * followed again later it was listed as failing and backed off by its old streak of failures.
   */
  void unregister(Connection c) {
    subscriptions.remove(c.id());
    store.forget(c.id());
    if (subscribers(c.stateKey()).isEmpty()) {
      nextPollAt.remove(c.stateKey());
      store.forgetUrl(c.stateKey());
    }
  }

  /**
   * True when no room follows {@code url} any more: a poll that was on the wire at the last removal
   * records nothing about it (it would store the URL again, failing for good).
   */
  private boolean unfollowed(String url) {
    return subscribers(url).isEmpty();
  }

  /** When the scheduler last ticked (System.nanoTime), for the watchdog. */
  private volatile long tickedAtNanos = System.nanoTime();

  /** Polling starts when this instance leads. */
  private volatile boolean started;

  /**
   * False once the scheduler has not ticked for a minute: its thread has died or is stuck. Before
   * {@link #start} (while the bot waits for the homeserver at start) there is nothing to watch.
   */
  boolean ticking() {
    return !started
        || ticker.isShutdown()
        || System.nanoTime() - tickedAtNanos < TimeUnit.MINUTES.toNanos(1);
  }

  /** Runs under scheduleWithFixedDelay, where anything thrown would cancel every later tick. */
  private void tick() {
    tickedAtNanos = System.nanoTime();
    try {
      long now = clock.millis();
      for (Map.Entry<String, Long> e : nextPollAt.entrySet()) {
        if (e.getValue() <= now && inFlight.add(e.getKey()))
          workers.execute(() -> poll(e.getKey()));
      }
    } catch (Throwable t) {
      rethrowIfFatal(t);
      log.error("feed scheduler: tick failed; trying again in a second", t);
    }
  }

  private void poll(String url) {
    try {
      pollOnce(url);
    } catch (Throwable t) {
      rethrowIfFatal(t);
      // One bad feed never stops the poller, not even a parser's StackOverflowError on hostile
      // input:
      // log, back off like any failure, carry on.
      log.error("feed {}: poll failed unexpectedly", FeedText.withoutSecrets(url), t);
      recordFailure(url, "internal error: " + t);
    } finally {
      inFlight.remove(url);
    }
  }

  private void recordFailure(String url, String reason) {
    try {
      failed(url, store.url(url).orElse(FeedStore.UrlState.fresh(url)), reason, null);
    } catch (RuntimeException e) {
      // The database is failing too: back off in memory at least, so the URL is not fetched every
      // second.
      log.error("feed {}: could not record the failure", FeedText.withoutSecrets(url), e);
      nextPollAt.computeIfPresent(url, (u, old) -> clock.millis() + intervalMillis());
    }
  }

  /**
   * Rethrows an error the JVM cannot carry on after (OutOfMemoryError, InternalError; the process
   * is meant to exit on them). A StackOverflowError is not one: the stack has unwound by the catch.
   */
  static void rethrowIfFatal(Throwable t) {
    if (t instanceof VirtualMachineError fatal && !(t instanceof StackOverflowError)) throw fatal;
  }

  /**
   * Polls one URL now and waits for the outcome to be stored (used by tests and the first poll).
   */
  void pollOnce(String url) {
    List<Subscription> subscribers = subscribers(url);
    if (subscribers.isEmpty()) {
      nextPollAt.remove(url);
      return;
    }
    FeedStore.UrlState state = store.url(url).orElse(FeedStore.UrlState.fresh(url));
    boolean unprimed = subscribers.stream().anyMatch(s -> !store.state(s.id()).primed());
    try {
      FeedFetcher.Result r =
          unprimed
              ? fetcher.fetch(url, null, null)
              : fetcher.fetch(url, state.etag(), state.lastModified());
      if (r.notModified()) {
        // A 304 may carry newer validators (RFC 9110 §15.4.5); one it leaves out stays as stored.
        succeeded(
            url,
            r.etag() != null ? r.etag() : state.etag(),
            r.lastModified() != null ? r.lastModified() : state.lastModified(),
            subscribers,
            r.movedTo());
      } else if (r.status() != 200) {
        failed(url, state, "HTTP " + r.status(), r.retryAfter());
      } else {
        // Relative links are relative to where the document was found, after any redirect.
        ParsedFeed feed = FeedParser.parse(r.body(), r.contentType(), r.base());
        boolean skipped = false;
        for (Subscription s : subscribers) {
          // A room the bot is not in could take nothing: its items stay unseen, not posted to be
          // refused.
          if (botNotIn.test(s.roomId())) skipped = true;
          // A room that stopped following the feed while it was fetched gets nothing more.
          else if (following(s)) deliver(s, feed);
        }
        // With a room skipped, the validators from before stay: once the bot is back the feed is
        // fetched whole, not answered "not modified", and what that room missed is posted.
        if (skipped) succeeded(url, state.etag(), state.lastModified(), subscribers, r.movedTo());
        else succeeded(url, r.etag(), r.lastModified(), subscribers, r.movedTo());
      }
    } catch (FeedException e) {
      failed(url, state, e.getMessage(), null);
    }
  }

  private boolean following(Subscription s) {
    return subscriptions.containsKey(s.id());
  }

  private List<Subscription> subscribers(String url) {
    return subscriptions.values().stream().filter(s -> s.url().equals(url)).toList();
  }

  /**
   * Posts the connection's new items that pass its filters, at most {@code maxItemsPerPoll} (the
   * newest; on the first poll, the latest {@code postLatestOnSubscribe}) and a notice counting the
   * rest, and marks every item of the feed seen, all in one transaction.
   */
  private void deliver(Subscription s, ParsedFeed feed) {
    FeedConfig config = s.config();
    Connection c = s.connection();
    FeedStore.ConnectionState state = store.state(c.id());
    Set<String> ids = new LinkedHashSet<>();
    Set<String> retired = new LinkedHashSet<>();
    List<FeedItem> passing =
        unseen(c, feed, ids, retired).stream().filter(config.filter()::passes).toList();
    int cap = state.primed() ? settings.maxItemsPerPoll() : settings.postLatestOnSubscribe();
    List<FeedItem> toPost = passing.subList(Math.max(0, passing.size() - cap), passing.size());
    int more = state.primed() ? passing.size() - toPost.size() : 0;
    List<OutboxStore.Draft> drafts = new ArrayList<>();
    String fetchKey = UUID.randomUUID().toString();
    for (FeedItem item : toPost)
      drafts.add(draft(c, FeedMessage.render(config, feed, item, fetchKey)));
    if (more > 0) drafts.add(draft(c, moreItems(more, cap, FeedMessage.feedName(config, feed))));
    outbox
        .postAll(
            drafts,
            store.asLeader(
                FeedStore.markSeen(
                    c.id(),
                    ids,
                    retired,
                    new FeedStore.ConnectionState(true, state.failing()),
                    clock.millis())))
        .join();
    if (drafts.isEmpty() && state.primed()) return;
    String rest =
        !state.primed()
            ? ", " + ids.size() + " existing marked seen"
            : more > 0 ? ", " + more + " more" : "";
    log.info(
        "room {}: feed {} ({}): {} new item(s) posted{}",
        c.roomId(),
        FeedText.withoutSecrets(c.stateKey()),
        c.id(),
        toPost.size(),
        rest);
  }

  /**
   * The feed's items the connection has not seen, oldest first; {@code ids} gets every item's id,
   * {@code retired} the ids an earlier version gave items known by their content now, seen under
   * them (so those items are not posted again, and the old ids, which several items could share,
   * are forgotten).
   */
  private List<FeedItem> unseen(
      Connection c, ParsedFeed feed, Set<String> ids, Set<String> retired) {
    Set<String> seen = store.seen(c.id());
    List<FeedItem> fresh = new ArrayList<>();
    for (FeedItem item : oldestFirst(feed.items())) {
      String id = item.id();
      boolean seenBefore = seen.contains(id);
      if (!seenBefore && id.startsWith(FeedParser.CONTENT_KEY)) {
        String legacy = FeedParser.legacyId(item);
        if (seen.contains(legacy)) {
          seenBefore = true;
          retired.add(legacy);
        }
      }
      if (ids.add(id) && !seenBefore) fresh.add(item);
    }
    return fresh;
  }

  private static OutboxStore.Draft draft(Connection c, ObjectNode content) {
    return new OutboxStore.Draft(c.roomId(), "m.room.message", content);
  }

  /** The notice after a poll that had more new items than it posts. */
  private static ObjectNode moreItems(int more, int cap, String feedName) {
    String format =
        "… and "
            + FeedText.count(more)
            + (more == 1 ? " more new item" : " more new items")
            + " in %s (only the newest "
            + (cap == 1 ? "is" : cap + " are")
            + " posted per poll).";
    return FeedText.notice(format, feedName);
  }

  /**
   * Reversed, since feeds list the newest first; dated feeds then by date, a stable sort, so items
   * that share a date stay oldest first among them.
   */
  private static List<FeedItem> oldestFirst(List<FeedItem> items) {
    List<FeedItem> out = new ArrayList<>(items);
    java.util.Collections.reverse(out);
    if (out.stream().allMatch(i -> i.date() != null)) {
      out.sort(Comparator.comparing(FeedItem::date));
    }
    return out;
  }

  /**
   * Records a poll that worked and queues its notices: "working again" to a room told it failed,
   * and, when the feed was reached through permanent redirects ({@code movedTo}), where it moved
   * to, once per connection and new address (a room the bot is not in is told once it is back).
   */
  private void succeeded(
      String url,
      @Nullable String etag,
      @Nullable String lastModified,
      List<Subscription> subscribers,
      @Nullable String movedTo) {
    if (unfollowed(url)) return;
    long now = clock.millis();
    // A room that began following the URL while this poll was on the wire was not served by it:
    // polled again at once, so what the feed holds is marked seen now, not an interval later (what
    // it published meanwhile would then be taken as old and never posted there).
    Set<String> polled = subscribers.stream().map(Subscription::id).collect(Collectors.toSet());
    boolean joined = subscribers(url).stream().anyMatch(s -> !polled.contains(s.id()));
    long next = joined ? now : now + intervalMillis();
    List<SqlWork<?>> record = new ArrayList<>();
    record.add(
        FeedStore.putUrl(new FeedStore.UrlState(url, etag, lastModified, 0, next, now, now, null)));
    List<OutboxStore.Draft> notices = new ArrayList<>();
    for (Subscription s : subscribers) {
      if (!following(s)) continue;
      if (movedTo != null
          && !botNotIn.test(s.roomId())
          && !store.movedToldOf(s.id()).equals(Optional.of(movedTo))) {
        record.add(FeedStore.putMovedTold(s.id(), movedTo));
        notices.add(draft(s.connection(), moved(s, movedTo)));
        log.info(
            "room {}: feed {} ({}) moved permanently to {}; the room is told",
            s.roomId(),
            FeedText.withoutSecrets(url),
            s.id(),
            FeedText.withoutSecrets(movedTo));
      }
      FeedStore.ConnectionState cs = store.state(s.id());
      if (!cs.failing()) continue;
      record.add(FeedStore.putState(s.id(), new FeedStore.ConnectionState(cs.primed(), false)));
      notify(notices, s, FeedText.notice("Feed %s is working again.", s.name()));
    }
    commit(notices, record);
    nextPollAt.computeIfPresent(url, (u, old) -> next);
  }

  /**
   * The notice that a feed answers from a new address for good: the URL is the connection's state
   * key, which the bot cannot change, so the room is told how to follow the new one. Both URLs are
   * shown without their credentials ({@link FeedText#withoutSecrets}).
   */
  private ObjectNode moved(Subscription s, String movedTo) {
    String old = FeedText.withoutSecrets(s.url());
    String now = FeedText.withoutSecrets(movedTo);
    return FeedText.notice(
        "Feed %s has moved permanently to %s (its server redirects there). I will keep following"
            + " it through the redirect; to follow the new address instead, send %s then %s.",
        s.name(), now, commandPrefix + " feed remove " + old, commandPrefix + " feed " + now);
  }

  private void failed(
      String url, FeedStore.UrlState state, String reason, @Nullable Duration retryAfter) {
    if (unfollowed(url)) return;
    long now = clock.millis();
    int failures = state.failures() + 1;
    long delay = Math.min(intervalMillis() << Math.min(failures - 1, 20), MAX_BACKOFF.toMillis());
    // A server's Retry-After is honoured up to the same day at most: one wrong header (or a
    // hostile one) does not silence the feed for years in every room that follows it.
    if (retryAfter != null)
      delay = Math.max(delay, Math.min(retryAfter.toMillis(), MAX_BACKOFF.toMillis()));
    long next = now + delay;
    List<SqlWork<?>> record = new ArrayList<>();
    record.add(
        FeedStore.putUrl(
            new FeedStore.UrlState(
                url,
                state.etag(),
                state.lastModified(),
                failures,
                next,
                now,
                state.lastSuccessAt(),
                reason)));
    List<OutboxStore.Draft> notices = new ArrayList<>();
    for (Subscription s : subscribers(url)) {
      FeedStore.ConnectionState cs = store.state(s.id());
      // Marked failing when told so: a room that turns notifyOnFailure on while the feed fails is
      // told at the next failure (it was told nothing, then "working again" out of the blue).
      if (cs.failing() || !s.config().notifyOnFailure()) continue;
      record.add(FeedStore.putState(s.id(), new FeedStore.ConnectionState(cs.primed(), true)));
      notify(
          notices,
          s,
          FeedText.notice(
              "Feed %s is failing: %s. I will keep trying and tell you when it works again.",
              s.name(), reason));
    }
    commit(notices, record);
    nextPollAt.computeIfPresent(url, (u, old) -> next);
    log.warn(
        "feed {}: failed ({}), failure {} in a row; next try in {} s",
        FeedText.withoutSecrets(url),
        reason,
        failures,
        delay / 1000);
  }

  private static void notify(List<OutboxStore.Draft> notices, Subscription s, ObjectNode notice) {
    if (s.config().notifyOnFailure())
      notices.add(new OutboxStore.Draft(s.roomId(), "m.room.message", notice));
  }

  /**
   * Records a poll's outcome and queues the notices it calls for in one transaction: a crash cannot
   * leave a feed marked failing (or working) with its notice lost, nor post it twice.
   */
  private void commit(List<OutboxStore.Draft> notices, List<SqlWork<?>> record) {
    outbox
        .postAll(
            notices,
            store.asLeader(
                c -> {
                  for (SqlWork<?> work : record) work.run(c);
                  return null;
                }))
        .join();
  }

  private long intervalMillis() {
    return settings.pollIntervalSeconds() * 1000L;
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    workers.shutdown();
    try {
      workers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
