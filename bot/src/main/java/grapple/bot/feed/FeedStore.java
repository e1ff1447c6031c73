package grapple.bot.feed;

import grapple.state.Database;
import grapple.state.Sql;
import grapple.state.SqlWork;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What feed polling must remember across restarts: per URL the HTTP validators, failures and the
 * next poll time; per connection the items already seen and whether it is primed and failing.
 */
public final class FeedStore {
  /**
   * Items remembered per connection besides those in the feed now (as hookshot's 10,000 per URL): a
   * feed server that gives its items new ids on every poll cannot fill the database. The bound is
   * by count alone, not age: an item that leaves the feed and comes back months later (a stale copy
   * served, a "popular" list, an archive re-published) is still known, and not posted again.
   */
  static final int MAX_SEEN = 10_000;

  private final Database db;

  public FeedStore(Database db) {
    this.db = db;
  }

  /** One feed URL's fetch state; times in epoch milliseconds, null when never. */
  public record UrlState(
      String url,
      @Nullable String etag,
      @Nullable String lastModified,
      int failures,
      long nextPollAt,
      @Nullable Long lastPollAt,
      @Nullable Long lastSuccessAt,
      @Nullable String lastError) {
    public static UrlState fresh(String url) {
      return new UrlState(url, null, null, 0, 0, null, null, null);
    }
  }

  /**
   * A connection's feed state: primed once its existing items were marked seen; failing once its
   * room was told the feed fails (with notifyOnFailure), until it is told it works again.
   */
  public record ConnectionState(boolean primed, boolean failing) {}

  public Optional<UrlState> url(String url) {
    return db.first(
        "SELECT * FROM feed_urls WHERE url = ?",
        rs ->
            new UrlState(
                url,
                rs.getString("etag"),
                rs.getString("last_modified"),
                rs.getInt("failures"),
                rs.getLong("next_poll_at"),
                nullableLong(rs, "last_poll_at"),
                nullableLong(rs, "last_success_at"),
                rs.getString("last_error")),
        url);
  }

  /** Every stored URL's next poll (epoch millis), in one read. */
  public java.util.Map<String, Long> nextPolls() {
    java.util.Map<String, Long> out = new java.util.HashMap<>();
    db.list(
            "SELECT url, next_poll_at FROM feed_urls",
            rs -> java.util.Map.entry(rs.getString(1), rs.getLong(2)))
        .forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  /**
   * {@code work} as the leader's ({@link Database#asLeader}): a poll's outcome is committed only
   * while this instance leads, so a leader that was frozen while another took over does not post
   * what the new leader posts too.
   */
  <T> SqlWork<T> asLeader(SqlWork<T> work) {
    return db.asLeader(work);
  }

  public void saveUrl(UrlState u) {
    db.writeAndWait(putUrl(u));
  }

  /** Stores a URL's fetch state, on a transaction the caller holds. */
  static SqlWork<Integer> putUrl(UrlState u) {
    return c -> {
      try (PreparedStatement s =
          c.prepareStatement(
              """
          INSERT INTO feed_urls
            (url, etag, last_modified, failures, next_poll_at, last_poll_at, last_success_at, last_error)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
            failures = excluded.failures, next_poll_at = excluded.next_poll_at, last_poll_at = excluded.last_poll_at,
            last_success_at = excluded.last_success_at, last_error = excluded.last_error""")) {
        s.setString(1, u.url());
        s.setString(2, withoutNul(u.etag()));
        s.setString(3, withoutNul(u.lastModified()));
        s.setInt(4, u.failures());
        s.setLong(5, u.nextPollAt());
        s.setObject(6, u.lastPollAt());
        s.setObject(7, u.lastSuccessAt());
        s.setString(8, withoutNul(u.lastError()));
        return s.executeUpdate();
      }
    };
  }

  /**
   * {@code text} with each NUL as U+FFFD: PostgreSQL's text holds no NUL, and these come from the
   * feed's server (its ETag and Last-Modified headers, an error quoting its body). With one, the
   * poll's record failed, and a feed that works was reported failing at every poll, backing off to
   * a day. A validator so changed is not sent back (it is no longer plain ASCII), as it would not
   * have been with the NUL either.
   */
  private static @Nullable String withoutNul(@Nullable String text) {
    return text == null ? null : text.replace('\u0000', '\uFFFD');
  }

  /**
   * Feed URLs some room follows whose last poll failed. A URL nobody follows is forgotten when its
   * last room stops following it, but one left by an earlier version stays stored: it is not
   * counted (it kept the gauge above 0 for good).
   */
  public long failingCount() {
    return db.first(
            "SELECT count(*) FROM feed_urls WHERE last_error IS NOT NULL"
                + " AND url IN (SELECT state_key FROM connections WHERE type = ?)",
            rs -> rs.getLong(1),
            Feeds.TYPE)
        .orElse(0L);
  }

  public ConnectionState state(String connectionId) {
    return db.first(
            "SELECT primed, failing FROM feed_connections WHERE connection_id = ?",
            rs -> new ConnectionState(rs.getInt(1) == 1, rs.getInt(2) == 1),
            connectionId)
        .orElse(new ConnectionState(false, false));
  }

  /**
   * The address the connection's room was last told its feed moved to ({@link
   * FeedFetcher.Result#movedTo}); empty when never.
   */
  public Optional<String> movedToldOf(String connectionId) {
    return db.first(
        "SELECT moved_to FROM feed_connections WHERE connection_id = ? AND moved_to IS NOT NULL",
        rs -> rs.getString(1),
        connectionId);
  }

  /**
   * Records that the connection's room was told its feed moved to {@code url}, on a transaction the
   * caller holds (the notice's). Its other state is left as it is.
   */
  static SqlWork<Void> putMovedTold(String connectionId, String url) {
    return c -> {
      Sql.update(
          c,
          "INSERT INTO feed_connections (connection_id, moved_to) VALUES (?, ?)"
              + " ON CONFLICT (connection_id) DO UPDATE SET moved_to = excluded.moved_to",
          connectionId,
          url);
      return null;
    };
  }

  public Set<String> seen(String connectionId) {
    return new HashSet<>(
        db.list(
            "SELECT item_id FROM feed_seen WHERE connection_id = ?",
            rs -> rs.getString(1),
            connectionId));
  }

  /**
   * Marks items seen (refreshing the time of those still in the feed), forgets the {@code retired}
   * ids and records the connection's state, on a transaction the caller holds (the outbox's, so
   * posts and marks commit together). {@code now} is the poller's clock; beyond {@link #MAX_SEEN},
   * the items seen longest ago are forgotten, never one of {@code itemIds}: they are marked later
   * than every item before them, even by a clock set back (corrected, or another instance's after a
   * failover), which marked them before the items the feed no longer lists, and forgot them.
   */
  public static SqlWork<Void> markSeen(
      String connectionId,
      Collection<String> itemIds,
      Collection<String> retired,
      ConnectionState state,
      long now) {
    return c -> {
      long mark = Math.max(now, lastMark(c, connectionId) + 1);
      for (String id : retired) {
        Sql.update(
            c, "DELETE FROM feed_seen WHERE connection_id = ? AND item_id = ?", connectionId, id);
      }
      try (PreparedStatement s =
          c.prepareStatement(
              "INSERT INTO feed_seen (connection_id, item_id, seen_at) VALUES (?, ?, ?)"
                  + " ON CONFLICT (connection_id, item_id) DO UPDATE SET seen_at = excluded.seen_at")) {
        for (String id : itemIds) {
          s.setString(1, connectionId);
          s.setString(2, id);
          s.setLong(3, mark);
          s.addBatch();
        }
        s.executeBatch();
      }
      putState(c, connectionId, state);
      forgetBeyond(c, connectionId, Math.max(MAX_SEEN, itemIds.size()));
      return null;
    };
  }

  /** The latest time the connection's items were marked seen at; 0 when none was. */
  private static long lastMark(java.sql.Connection c, String connectionId) throws SQLException {
    return Sql.first(
            c,
            "SELECT max(seen_at) FROM feed_seen WHERE connection_id = ?",
            rs -> rs.getLong(1),
            connectionId)
        .orElse(0L);
  }

  public void setState(String connectionId, ConnectionState state) {
    db.writeAndWait(putState(connectionId, state));
  }

  /** Records a connection's state, on a transaction the caller holds. */
  static SqlWork<Void> putState(String connectionId, ConnectionState state) {
    return c -> {
      putState(c, connectionId, state);
      return null;
    };
  }

  /** Forgets a removed connection's seen items and state. */
  public void forget(String connectionId) {
    db.writeAndWait(
        c -> {
          return Sql.update(c, "DELETE FROM feed_seen WHERE connection_id = ?", connectionId)
              + Sql.update(c, "DELETE FROM feed_connections WHERE connection_id = ?", connectionId);
        });
  }

  /** Forgets a URL no room follows any more: its validators, failures and schedule. */
  public void forgetUrl(String url) {
    db.writeAndWait(c -> Sql.update(c, "DELETE FROM feed_urls WHERE url = ?", url));
  }

  private static void putState(java.sql.Connection c, String connectionId, ConnectionState state)
      throws SQLException {
    Sql.update(
        c,
        "INSERT INTO feed_connections (connection_id, primed, failing) VALUES (?, ?, ?)"
            + " ON CONFLICT (connection_id) DO UPDATE SET primed = excluded.primed, failing = excluded.failing",
        connectionId,
        state.primed() ? 1 : 0,
        state.failing() ? 1 : 0);
  }

  /**
   * Keeps the {@code keep} items seen last (every item of the feed now among them, as they were
   * just marked) and any seen at the same moment as the last of them; forgets the older ones.
   */
  private static void forgetBeyond(java.sql.Connection c, String connectionId, int keep)
      throws SQLException {
    Optional<Long> cutoff =
        Sql.first(
            c,
            "SELECT seen_at FROM feed_seen WHERE connection_id = ? ORDER BY seen_at DESC"
                + " LIMIT 1 OFFSET ?",
            rs -> rs.getLong(1),
            connectionId,
            keep);
    if (cutoff.isPresent()) {
      Sql.update(
          c,
          "DELETE FROM feed_seen WHERE connection_id = ? AND seen_at < ?",
          connectionId,
          cutoff.get());
    }
  }

  private static @Nullable Long nullableLong(ResultSet rs, String column) throws SQLException {
    long value = rs.getLong(column);
    return rs.wasNull() ? null : value;
  }
}
