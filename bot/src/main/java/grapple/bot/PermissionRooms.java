package grapple.bot;

import grapple.bot.room.RoomGateway;
import grapple.bot.room.RoomStates;
import grapple.commands.PermissionRule;
import grapple.state.Daemons;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins the rooms that permission rules name as actors ({@code !admins:example.org}), as hookshot
 * does at start: a room actor covers that room's members wherever they act, and members are known
 * only of rooms the bot is in. A room the bot may not join (private, not invited) is logged with
 * what that means; inviting the bot there later works as any invite. A join the homeserver failed
 * for now (down, its 5xx, a rate limit, the room's server unreachable over federation) is tried
 * again 5 s later, then twice as long after each failure up to every 5 minutes, until it works or
 * is refused: once at start, it would leave the rule covering nobody outside the room until the
 * next restart.
 *
 * <p>The joins run on the {@code permission-rooms} thread, not the sync thread that asks for them:
 * joining a room over federation can take a minute, and commands wait on the sync meanwhile.
 */
final class PermissionRooms {
  private static final Logger log = LoggerFactory.getLogger(PermissionRooms.class);

  /** Runs the joins, and ticks once a second while one waits to be tried again. */
  private static final ScheduledExecutorService JOINS =
      Executors.newSingleThreadScheduledExecutor(Daemons.named("permission-rooms"));

  private final RoomGateway gateway;
  private final RoomStates rooms;
  private final String botUserId;
  private final Clock clock;

  private final RetrySchedule retries =
      new RetrySchedule(JOINS, this::retryDue, "joining rooms again");

  private final Loops joining = Loops.scheduled(log, "joining the rooms permission rules name");

  PermissionRooms(RoomGateway gateway, RoomStates rooms, String botUserId, Clock clock) {
    this.gateway = gateway;
    this.rooms = rooms;
    this.botUserId = botUserId;
    this.clock = clock;
  }

  /**
   * Joins, on the {@code permission-rooms} thread, each room actor of {@code rules} that the bot is
   * not in, as state says.
   */
  void joinMissing(List<PermissionRule> rules) {
    JOINS.execute(() -> joining.run(() -> joinNow(rules)));
  }

  /** As {@link #joinMissing}, on the calling thread. */
  synchronized void joinNow(List<PermissionRule> rules) {
    rules.stream()
        .map(PermissionRule::actor)
        .filter(actor -> actor.startsWith("!"))
        .distinct()
        .filter(room -> !rooms.isJoined(room, botUserId))
        .forEach(this::join);
  }

  /** Tries again the joins whose wait is over (skipping a room the bot has joined meanwhile). */
  synchronized void retryDue() {
    for (String room : retries.due(clock.instant())) {
      if (rooms.isJoined(room, botUserId)) {
        retries.done(room);
      } else {
        join(room);
      }
    }
  }

  private void join(String room) {
    try {
      gateway.join(room, via(room));
      retries.done(room);
      log.info("room {}: joined, as a permission rule names it (its members are now known)", room);
    } catch (IOException | RuntimeException e) {
      @Nullable Duration retryAfter =
          e instanceof IOException io ? RetrySchedule.waitAfter(io) : null;
      if (retryAfter == null) {
        retries.done(room);
        log.warn(
            "room {}: a permission rule names this room, but the bot could not join it ({}); until"
                + " the bot is invited, the rule covers only what is done inside the room",
            room,
            e.getMessage());
        return;
      }
      Duration wait = retries.later(room, clock.instant(), retryAfter);
      log.warn(
          "room {}: a permission rule names this room, but joining it failed for now ({}); trying"
              + " again in {} s",
          room,
          e.getMessage(),
          wait.toSeconds());
    }
  }

  /** The server in a room id ({@code !id:server}); none for a room version 12 id. */
  private static List<String> via(String roomId) {
    int colon = roomId.indexOf(':');
    return colon < 0 || colon == roomId.length() - 1
        ? List.of()
        : List.of(roomId.substring(colon + 1));
  }
}
