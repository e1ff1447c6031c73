package grapple.bot.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.testing.MatrixUser;
import grapple.testing.MatrixUser.Seen;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A room that its owner (alice) made for one scenario, with some members joined and the bot
 * invited, joined and given power level 50 so that it may write connection state.
 */
final class TestRoom {
  static final String HOOK_EVENT_TYPE = "uk.half-shot.matrix-hookshot.generic.hook";
  static final int BOT_POWER_LEVEL = 50;

  final String id;
  final MatrixUser owner;
  final String botUserId;
  final Pattern hookUrl;

  private TestRoom(String id, MatrixUser owner, GrappleProcess bot) {
    this.id = id;
    this.owner = owner;
    this.botUserId = bot.userId;
    this.hookUrl = Pattern.compile(Pattern.quote(bot.urlPrefix()) + "([A-Za-z0-9_-]+)");
  }

  static TestRoom create(MatrixUser owner, GrappleProcess bot, MatrixUser... members) {
    return open(owner, bot, members).awaitBotJoined();
  }

  /**
   * Makes the room with the members joined and the bot invited, without waiting for the bot (which
   * may not be running yet); call {@link #awaitBotJoined()} once it is.
   */
  static TestRoom open(MatrixUser owner, GrappleProcess bot, MatrixUser... members) {
    Map<String, Integer> powerLevels =
        new HashMap<>(Map.of(owner.userId, 100, bot.userId, BOT_POWER_LEVEL));
    List<String> invite = new ArrayList<>(List.of(bot.userId));
    for (MatrixUser member : members) invite.add(member.userId);
    String roomId = owner.createRoom(powerLevels, invite);
    for (MatrixUser member : members) member.join(roomId);
    return new TestRoom(roomId, owner, bot);
  }

  /** Encryption as Element turns it on in a private room. */
  static final String MEGOLM = "m.megolm.v1.aes-sha2";

  /**
   * As {@link #open} without other members, but encrypted from the start ({@code m.room.encryption}
   * in its initial state), as Element makes a private room by default.
   */
  static TestRoom openEncrypted(MatrixUser owner, GrappleProcess bot) {
    ObjectNode body = MatrixUser.JSON.createObjectNode().put("preset", "private_chat");
    body.putArray("invite").add(bot.userId);
    ObjectNode levels = body.putObject("power_level_content_override");
    levels.putObject("users").put(owner.userId, 100).put(bot.userId, BOT_POWER_LEVEL);
    levels.put("state_default", 50).put("users_default", 0);
    ObjectNode encryption = body.putArray("initial_state").addObject();
    encryption.put("type", "m.room.encryption").put("state_key", "");
    encryption.putObject("content").put("algorithm", MEGOLM);
    String roomId =
        owner.request("POST", owner.api("createRoom").build(), body).path("room_id").asText();
    return new TestRoom(roomId, owner, bot);
  }

  TestRoom awaitBotJoined() {
    owner.awaitMembership(id, botUserId, "join", MatrixUser.DEFAULT_TIMEOUT);
    return this;
  }

  String send(MatrixUser sender, String text) {
    return sender.sendText(id, text);
  }

  /** Sends {@code text} as {@code sender} and waits for the bot's reply to it. */
  Seen sendAndAwaitReply(MatrixUser sender, String text) {
    return awaitReplyTo(send(sender, text));
  }

  /** The bot's reply (m.relates_to / m.in_reply_to) to the given event. */
  Seen awaitReplyTo(String eventId) {
    return owner.awaitEvent(
        0,
        id,
        "reply from " + botUserId + " to " + eventId,
        s -> s.isMessageFrom(botUserId) && s.inReplyTo().equals(eventId),
        MatrixUser.DEFAULT_TIMEOUT);
  }

  /** The first message the bot posted in this room after the mark. */
  Seen awaitBotMessage(long after) {
    return awaitBotMessage(after, MatrixUser.DEFAULT_TIMEOUT);
  }

  Seen awaitBotMessage(long after, Duration timeout) {
    return owner.awaitEvent(
        after, id, "message from " + botUserId, s -> s.isMessageFrom(botUserId), timeout);
  }

  /**
   * The first message the bot posted in this room after the mark whose body matches; {@code what}
   * names it in the failure if none comes.
   */
  Seen awaitBotMessage(long after, String what, Predicate<String> body) {
    return owner.awaitEvent(
        after,
        id,
        what,
        s -> s.isMessageFrom(botUserId) && body.test(s.body()),
        MatrixUser.DEFAULT_TIMEOUT);
  }

  List<Seen> botMessagesAfter(long after) {
    return owner.seenInRoom(after, id).stream()
        .filter(s -> s.isMessageFrom(botUserId))
        .collect(Collectors.toList());
  }

  Optional<JsonNode> hookState(String name) {
    return owner.stateContent(id, HOOK_EVENT_TYPE, name);
  }

  /**
   * Sends {@code !grapple webhook <args>} as {@code sender}: the bot's reply contains {@code
   * reason}, and the room has no webhook {@code name}.
   */
  void assertWebhookRefused(MatrixUser sender, String args, String name, String reason) {
    String command = send(sender, "!grapple webhook " + args);

    Seen reply = awaitReplyTo(command);

    assertThat(reply.body()).contains(reason);
    assertThat(hookState(name)).as("state for %s", name).isEmpty();
  }

  /**
   * Sends {@code !grapple webhook <args>} and waits for the reply and the URL by direct message.
   */
  CreatedHook createWebhook(String args) {
    long mark = owner.mark();
    String command = send(owner, "!grapple webhook " + args);
    Seen reply = awaitReplyTo(command);
    return new CreatedHook(command, reply, awaitSecretUrl(mark));
  }

  /** A webhook made with a command: the command, the bot's reply and the URL it sent by DM. */
  record CreatedHook(String commandEventId, Seen reply, SecretUrl secret) {
    String url() {
      return secret.url();
    }
  }

  /**
   * A webhook URL that the bot sent to the owner in a direct message; {@code invite} is the DM
   * invite if the bot made a new DM room for it, else null.
   */
  record SecretUrl(String url, String hookId, String dmRoomId, Seen invite, Seen message) {}

  /** Joins every room the bot invited the owner to, until a bot message there carries a URL. */
  SecretUrl awaitSecretUrl(long after) {
    long deadline = System.nanoTime() + MatrixUser.DEFAULT_TIMEOUT.toNanos();
    while (true) {
      joinRoomsTheBotInvitedTo();
      Optional<SecretUrl> found = findSecretUrl(after);
      if (found.isPresent()) return found.get();
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            owner.userId
                + " got no webhook URL ("
                + hookUrl
                + ") in a direct message from "
                + botUserId
                + " within "
                + MatrixUser.DEFAULT_TIMEOUT.toSeconds()
                + " s. Last events seen:\n"
                + owner.describeLast(after, 15));
      }
      owner.syncOnce(Duration.ofSeconds(2));
    }
  }

  private List<Seen> invitesFromBot() {
    return owner.seenAfter(0).stream()
        .filter(s -> s.invite() && s.sender().equals(botUserId))
        .collect(Collectors.toList());
  }

  private void joinRoomsTheBotInvitedTo() {
    for (Seen invite : invitesFromBot()) {
      if (!owner.hasJoined(invite.roomId())) owner.join(invite.roomId());
    }
  }

  private Optional<SecretUrl> findSecretUrl(long after) {
    List<Seen> invites = invitesFromBot();
    Set<String> dmRooms = invites.stream().map(Seen::roomId).collect(Collectors.toSet());
    for (Seen message : owner.seenAfter(after)) {
      if (!dmRooms.contains(message.roomId()) || !message.isMessageFrom(botUserId)) continue;
      Matcher url = hookUrl.matcher(message.body());
      if (!url.find()) continue;
      Seen newInvite =
          invites.stream()
              .filter(i -> i.roomId().equals(message.roomId()) && i.seq() > after)
              .findFirst()
              .orElse(null);
      return Optional.of(
          new SecretUrl(url.group(), url.group(1), message.roomId(), newInvite, message));
    }
    return Optional.empty();
  }
}
