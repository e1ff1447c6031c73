package grapple.bot;

import grapple.bot.room.RoomEvent;
import grapple.bot.room.RoomGateway;
import grapple.commands.PermissionLevel;
import grapple.commands.Permissions;
import grapple.state.Daemons;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers invitations: joins when the inviter has the login permission, declines with a reason
 * otherwise. An answer the homeserver failed in a way that may pass (down, 5xx, 429) is tried again
 * on the {@code invite-retry} thread, 5 s later, then twice as long after each failure up to 5
 * minutes: a running bot's sync tells an invite once, so an answer not retried waited for the next
 * start.
 */
final class Invites {
  private static final Logger log = LoggerFactory.getLogger(Invites.class);

  /** Hookshot's reason for declining, word for word. */
  static final String DECLINED = "You do not have permission to invite this bot.";

  /** The first wait before a failed answer is tried again; doubled at each failure. */
  static final Duration FIRST_RETRY = Duration.ofSeconds(5);

  /** The longest wait between two tries. */
  static final Duration LAST_RETRY = Duration.ofMinutes(5);

  /** Ticks once a second for the instances that have failed answers to try again. */
  private static final ScheduledExecutorService RETRY_TICKS =
      Executors.newSingleThreadScheduledExecutor(Daemons.named("invite-retry"));

  private final RoomGateway gateway;
  private final Permissions permissions;

  /** Room → the invite whose answer failed, to try again when {@link #retries} says. */
  private final Map<String, RoomEvent.Invite> failed = new HashMap<>();

  private final RetrySchedule retries =
      new RetrySchedule(
          RETRY_TICKS, FIRST_RETRY, LAST_RETRY, this::retryDue, "answering invites again");

  private volatile Clock clock = Clock.systemUTC();

  Invites(RoomGateway gateway, Permissions permissions) {
    this.gateway = gateway;
    this.permissions = permissions;
  }

  /** Tells the time by {@code clock} (tests: a FakeClock drives the retries). */
  void timedBy(Clock clock) {
    this.clock = clock;
  }

  /**
   * Answers {@code invite}; the homeserver is asked without holding this object's lock, so the sync
   * thread never waits behind the retry thread's calls (or the other way round).
   */
  void onInvite(RoomEvent.Invite invite) {
    synchronized (this) {
      // A new invite to the room (the same again at a start, or another inviter) starts afresh.
      failed.remove(invite.roomId());
      retries.done(invite.roomId());
    }
    Duration asked = answer(invite);
    if (asked != null) {
      synchronized (this) {
        retryLater(invite, asked);
      }
    }
  }

  /** Tries again the answers that failed and whose wait is over. */
  void retryDue() {
    Map<String, RoomEvent.Invite> due = new LinkedHashMap<>();
    synchronized (this) {
      for (String room : retries.due(clock.instant())) {
        RoomEvent.Invite invite = failed.get(room);
        if (invite != null) {
          due.put(room, invite);
        } else {
          retries.done(room);
        }
      }
    }
    due.forEach(this::tryAgain);
  }

  @SuppressWarnings("ReferenceEquality") // this very invite, not an equal one received again
  private void tryAgain(String room, RoomEvent.Invite invite) {
    Duration asked;
    try {
      asked = answer(invite);
    } catch (RuntimeException e) {
      log.error("room {}: answering the invite again failed", room, e);
      asked = Duration.ZERO;
    }
    synchronized (this) {
      // A new invite to the room came while this one was asked about: that one stands.
      if (failed.get(room) != invite) return;
      if (asked != null) {
        retryLater(invite, asked);
      } else {
        failed.remove(room);
        retries.done(room);
      }
    }
  }

  /**
   * Joins or declines; null when done (or refused for good), else the wait the homeserver asked for
   * before a try again (zero when it asked none): it failed in a way that may pass.
   */
  private @Nullable Duration answer(RoomEvent.Invite invite) {
    try {
      if (permissions.allowsAnyService(invite.sender(), invite.roomId(), PermissionLevel.LOGIN)) {
        gateway.join(invite.roomId());
        log.info("room {}: joined on invite from {}", invite.roomId(), invite.sender());
        return null;
      }
      // Hookshot's reason, word for word; who lacked what goes to the log only.
      gateway.leave(invite.roomId(), DECLINED);
      log.info(
          "room {}: declined invite from {} (no login permission on any service in the config)",
          invite.roomId(),
          invite.sender());
      return null;
    } catch (IOException e) {
      // A refusal (the invite was withdrawn, the room is gone) stands; anything else may pass.
      Duration wait = RetrySchedule.waitAfter(e);
      log.warn(
          "room {}: could not answer the invite from {}{}: {}",
          invite.roomId(),
          invite.sender(),
          wait != null ? " (trying again later)" : "",
          e.getMessage());
      return wait;
    }
  }

  /** Tries {@code invite} again after the next wait, or after {@code asked} when it is longer. */
  private void retryLater(RoomEvent.Invite invite, Duration asked) {
    failed.put(invite.roomId(), invite);
    retries.later(invite.roomId(), clock.instant(), asked);
  }
}
