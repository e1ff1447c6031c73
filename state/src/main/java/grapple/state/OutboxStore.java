package grapple.state;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Messages the bot has decided to post, durable before anyone is told they were accepted. Each
 * row carries the transaction id it is sent with, so a resend after a crash is idempotent.
 */
public final class OutboxStore {
  private final Database db;

  public OutboxStore(Database db) {
    this.db = db;
  }

  /** A message to queue: target is a room id, or {@code dm:<userId>} for a direct message. */
  public record Draft(String target, String eventType, ObjectNode content) {}

  /** A queued message. */
  public record Entry(long seq, String target, String txnId, String eventType, ObjectNode content) {}

  /** A message the homeserver refused for good. */
  public record Failure(long seq, String target, String eventType, String error, long failedAtMillis) {}

  /** Queues the drafts in one transaction; completes once they are durable. */
  public CompletableFuture<List<Entry>> enqueue(List<Draft> drafts) {
    return enqueue(drafts, c -> null);
  }

  /**
   * Queues the drafts in the same transaction as {@code alongside} (e.g. marking feed items seen),
   * so either both are durable or neither is.
   */
  public CompletableFuture<List<Entry>> enqueue(List<Draft> drafts, SqlWork<?> alongside) {
    long now = System.currentTimeMillis();
    List<String> txnIds = drafts.stream().map(d -> newTxnId()).toList();
    return db.write(c -> {
      alongside.run(c);
      return insert(c, drafts, txnIds, now);
    });
  }

  private static List<Entry> insert(java.sql.Connection c, List<Draft> drafts, List<String> txnIds, long now)
      throws SQLException {
    List<Entry> out = new ArrayList<>(drafts.size());
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO outbox (target, txn_id, event_type, content, created_at) VALUES (?, ?, ?, ?, ?)",
        Statement.RETURN_GENERATED_KEYS)) {
      for (int i = 0; i < drafts.size(); i++) {
        Draft d = drafts.get(i);
        s.setString(1, d.target());
        s.setString(2, txnIds.get(i));
        s.setString(3, d.eventType());
        s.setString(4, Json.write(d.content()));
        s.setLong(5, now);
        s.executeUpdate();
        try (ResultSet keys = s.getGeneratedKeys()) {
          keys.next();
          out.add(new Entry(keys.getLong(1), d.target(), txnIds.get(i), d.eventType(), d.content()));
        }
      }
    }
    return out;
  }

  /** Everything not yet delivered, oldest first. */
  public List<Entry> pending() {
    return db.read(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "SELECT seq, target, txn_id, event_type, content FROM outbox WHERE status = 'pending' ORDER BY seq")) {
        ResultSet rs = s.executeQuery();
        List<Entry> out = new ArrayList<>();
        while (rs.next()) {
          out.add(new Entry(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
              Json.readObject(rs.getString(5))));
        }
        return out;
      }
    });
  }

  /** Forgets a delivered message (its transaction id has done its work). Does not wait. */
  public CompletableFuture<Integer> delivered(long seq) {
    return db.write(c -> {
      try (PreparedStatement s = c.prepareStatement("DELETE FROM outbox WHERE seq = ?")) {
        s.setLong(1, seq);
        return s.executeUpdate();
      }
    });
  }

  /** Records that the homeserver refused the message for good; it is kept for the operator. */
  public CompletableFuture<Integer> failed(long seq, String error) {
    return db.write(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "UPDATE outbox SET status = 'failed', error = ?, done_at = ? WHERE seq = ?")) {
        s.setString(1, error);
        s.setLong(2, System.currentTimeMillis());
        s.setLong(3, seq);
        return s.executeUpdate();
      }
    });
  }

  public List<Failure> failures() {
    return db.read(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "SELECT seq, target, event_type, error, done_at FROM outbox WHERE status = 'failed' ORDER BY seq")) {
        ResultSet rs = s.executeQuery();
        List<Failure> out = new ArrayList<>();
        while (rs.next()) {
          out.add(new Failure(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5)));
        }
        return out;
      }
    });
  }

  /** 128 random bits: unique is all a transaction id must be (not secret), so no SecureRandom lock. */
  private static String newTxnId() {
    java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
    byte[] bytes = java.nio.ByteBuffer.allocate(16).putLong(random.nextLong()).putLong(random.nextLong()).array();
    return "grapple." + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
