package grapple.bot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.CommandEffects;
import grapple.bot.outbox.Outbox;
import grapple.bot.room.BatchWrites;
import grapple.bot.room.Messages;
import grapple.bot.room.RoomEvent;
import grapple.bot.room.RoomEvents;
import grapple.bot.room.RoomGateway;
import grapple.bot.room.RoomStates;
import grapple.commands.Dispatcher;
import grapple.commands.Reply;
import grapple.state.Database;
import grapple.state.Json;
import grapple.state.OutboxStore;
import grapple.state.Sql;
import grapple.state.SqlWork;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the bot does with room events, whichever gateway they come from: state goes to the rooms'
 * authority and the connections; a command is recorded and answered by {@link WaitingCommands}'
 * threads; a message (a command too, unless it held a secret) goes to the room's connections (not
 * the bot's own, not those from before it started); invites to {@link Invites}.
 */
final class Core implements RoomEvents, WaitingCommands.Answerer {
  private static final Logger log = LoggerFactory.getLogger(Core.class);

  /** The fields of a waiting command's claims ({@link WaitingCommands.Waiting#claims}). */
  private static final String CLAIMS_GRAPPLE = "grapple";

  private static final String CLAIMS_MSGTYPE = "msgtype";
  private static final String CLAIMS_CONNECTIONS = "connections";

  /** The root of the thread the command was sent in (absent outside a thread). */
  private static final String CLAIMS_THREAD = "thread";

  /**
   * A redaction: the core takes those of connection state events ({@link Connections#onRedaction}),
   * so the bot's sync always asks for them.
   */
  static final String REDACTION = "m.room.redaction";

  /** Marks in {@code processed_events}: the command in the event (id after it) was answered. */
  private static final String ANSWERED = "answered:";

  /** As {@link #ANSWERED}, for a command that held a secret (its message was redacted). */
  private static final String ANSWERED_SECRET = "answered-secret:";

  /** The answer to a command that waited sealed and cannot be opened (see the log for why). */
  static final String UNREADABLE =
      "I could not read your command back: the key that keeps it sealed is not available to me"
          + " (the operator's log says why). Nothing was done; send it again.";

  private final RoomStates rooms;
  private final Connections connections;
  private final Dispatcher dispatcher;
  private final Outbox outbox;
  private final Invites invites;
  private final RoomGateway gateway;
  private final java.util.function.Consumer<RoomEvent.State> authoritySeen;
  private final Database db;
  private final WaitingCommands commands;
  final RoomUpgrades upgrades;

  /** Tells encrypted rooms that the bot cannot read them; null in local mode (none is). */
  private final @Nullable EncryptedRooms encrypted;

  /** What the connections queued for the events of the batch being handled (sync thread only). */
  private final List<LiveConnection.Queued> queued = new ArrayList<>();

  /**
   * The answer to a waiting command whose answer's transaction failed, by its seq: tried again
   * ({@link WaitingCommands}), it queues this rather than run the command a second time (a second
   * issue; a {@code !grapple webhook} that finds its own hook and refuses, the URL lost). Forgotten
   * once the command is answered or given up.
   */
  private final Map<Long, Kept> notCommitted = new java.util.concurrent.ConcurrentHashMap<>();

  /** A command's answer kept for its next try: the dispatcher's, and its connections' replies. */
  private record Kept(Optional<Dispatcher.Outcome> outcome, List<ObjectNode> replies) {}

  /**
   * {@code authoritySeen} hears every state event once the rooms' authority took it in (for the
   * other instances); {@code encrypted} is null where no room is encrypted (local mode).
   */
  Core(
      RoomStates rooms,
      Connections connections,
      Dispatcher dispatcher,
      Outbox outbox,
      Invites invites,
      java.util.function.Consumer<RoomEvent.State> authoritySeen,
      RoomGateway gateway,
      Database db,
      WaitingCommands commands,
      @Nullable EncryptedRooms encrypted) {
    this.commands = commands;
    this.encrypted = encrypted;
    this.gateway = gateway;
    this.db = db;
    this.rooms = rooms;
    this.authoritySeen = authoritySeen;
    this.connections = connections;
    this.dispatcher = dispatcher;
    this.outbox = outbox;
    this.invites = invites;
    this.upgrades =
        new RoomUpgrades(rooms, connections, gateway, outbox, new grapple.state.KeyValueStore(db));
  }

  @Override
  public void onEvent(RoomEvent event, boolean initial) {
    if (event instanceof RoomEvent.State s) {
      boolean rejoined = !initial && botJoins(s) && !rooms.isJoined(s.roomId(), s.stateKey());
      rooms.apply(s);
      authoritySeen.accept(s);
      if (!upgrades.claims(s, initial)) {
        queued.addAll(connections.onState(s, initial));
        commitUnlessBatched();
      }
      if (encrypted != null) {
        encrypted.onState(s, initial).ifPresent(queued::add);
        commitUnlessBatched();
      }
      upgrades.onState(s, initial);
      if (rejoined) resendRefusedIn(s.roomId());
    } else if (event instanceof RoomEvent.Message m) {
      if (!initial && !gateway.batchesWrites()) onRoomEvent(m.roomId(), raw(m));
      if (m.sender().equals(connections.botUserId())) return;
      if (!initial) onMessage(m);
      else if (heldASecret(m)) redact(m.roomId(), m.eventId(), m.sender());
    } else if (event instanceof RoomEvent.Invite i) {
      invites.onInvite(i);
    }
  }

  /**
   * Lets the room's connections queue work for an event that is not the bot's own. A gateway that
   * batches commits it with its sync position; for the others it is committed at once.
   */
  @Override
  public void onRoomEvent(String roomId, ObjectNode event) {
    if (event.path("sender").asText().equals(connections.botUserId())) return;
    if (event.path("type").asText().equals(REDACTION)) {
      // Room v11 moved `redacts` into the content; earlier versions have it beside it.
      JsonNode redacts = event.path("content").path("redacts");
      if (!redacts.isTextual()) redacts = event.path("redacts");
      if (redacts.isTextual())
        queued.addAll(
            connections.onRedaction(
                roomId,
                event.path("event_id").asText(),
                event.path("sender").asText(),
                redacts.asText()));
    }
    // A command that gives a secret (a token) is never given to connections: not to the room's
    // outbound hooks either, which would queue it in the clear and send it on before the redaction.
    if (holdsSecret(roomId, event)) return;
    queued.addAll(connections.onRoomEvent(roomId, event));
    commitUnlessBatched();
  }

  /**
   * Whether {@code event} is a message whose command gives a secret, as {@link #onMessage} says.
   */
  private boolean holdsSecret(String roomId, ObjectNode event) {
    if (!event.path("type").asText().equals("m.room.message")) return false;
    JsonNode content = event.path("content");
    String body = content.path("body").asText("");
    boolean direct =
        rooms.isDirectChat(roomId, connections.botUserId(), event.path("sender").asText());
    return (dispatcher.isCommand(body, direct) && dispatcher.holdsSecret(body, direct))
        || repeatedSecret(content, direct).isPresent();
  }

  /**
   * The command that gives a secret which {@code content} repeats, if any: an edit's new text
   * ({@code m.new_content}, and the {@code "* …"} body that carries it for older clients) or what a
   * reply quotes ({@code "> <@alice:example.org> !grapple github setpersonaltoken …"}, the fallback
   * of clients before Matrix 1.13). Such a message carries the token as the command did, so it is
   * dealt with as the command is; it is not run (hookshot reads the body only, where an edit's
   * {@code "* "} and a reply's quote are no prefix).
   */
  private Optional<String> repeatedSecret(JsonNode content, boolean direct) {
    for (String text : repeated(content)) {
      if (dispatcher.isCommand(text, direct) && dispatcher.holdsSecret(text, direct))
        return Optional.of(text);
    }
    return Optional.empty();
  }

  /** The texts of other messages that {@code content} repeats (see {@link #repeatedSecret}). */
  static List<String> repeated(JsonNode content) {
    List<String> texts = new ArrayList<>();
    String body = content.path("body").asText("");
    if (content.path("m.relates_to").path("rel_type").asText("").equals("m.replace")) {
      texts.add(content.path("m.new_content").path("body").asText(""));
      if (body.startsWith("* ")) texts.add(body.substring(2));
    }
    StringBuilder quote = new StringBuilder();
    for (String line : body.split("\n", -1)) {
      if (!line.startsWith(">")) break;
      String quoted = line.substring(1).strip();
      // The first line names whom it quotes: "<@alice:example.org> !grapple ...".
      if (quote.length() == 0 && quoted.startsWith("<") && quoted.contains(">"))
        quoted = quoted.substring(quoted.indexOf('>') + 1).strip();
      quote.append(quoted).append('\n');
    }
    if (quote.length() > 0) texts.add(quote.toString());
    return texts;
  }

  /** Commits what was queued at once, for a gateway that does not commit it with its position. */
  private void commitUnlessBatched() {
    if (gateway.batchesWrites() || queued.isEmpty()) return;
    BatchWrites writes = takeWrites();
    db.writeAndWait(
        c -> {
          for (SqlWork<?> w : writes.work()) w.run(c);
          return null;
        });
    writes.afterCommit();
  }

  private boolean botJoins(RoomEvent.State s) {
    return s.eventType().equals("m.room.member")
        && s.stateKey().equals(connections.botUserId())
        && s.content().path("membership").asText().equals("join");
  }

  /**
   * The bot is back in {@code roomId}: the messages the homeserver refused there with a 403 (the
   * bot was not in the room: kicked, or removed before the bot knew) were accepted by the bot, so
   * they are queued again, as {@code retry_failed} would. Requeueing takes each refusal once, in
   * one transaction, so a batch handled twice does not send them twice.
   */
  private void resendRefusedIn(String roomId) {
    resend(
        roomId,
        outbox.failuresIn(roomId).stream().filter(f -> f.error().startsWith("HTTP 403 ")).toList());
  }

  /** Queues {@code refused} again (each once, however often this runs), as retry_failed would. */
  private void resend(String roomId, List<OutboxStore.Failure> refused) {
    if (refused.isEmpty()) return;
    outbox
        .retry(refused)
        .whenComplete(
            (queued, failure) -> {
              if (failure != null)
                log.warn(
                    "room {}: could not queue again the messages refused while the bot was out: {}",
                    roomId,
                    failure.toString());
              else if (queued > 0)
                log.info(
                    "room {}: the bot is back; {} message(s) refused while it was out queued again",
                    roomId,
                    queued);
            });
  }

  /**
   * Takes the bot out of the rooms it was in as the database's authority says but is in no more
   * (kicked, banned or gone while every instance was down): their hooks answer 410, not 202 for
   * messages the homeserver would refuse. The other instances hear it too.
   */
  @Override
  public void joinedAtStart(Set<String> roomIds) {
    String bot = connections.botUserId();
    for (String roomId : rooms.joinedBy(bot)) {
      if (roomIds.contains(roomId)) continue;
      log.warn(
          "room {}: the bot is not in it any more (it left or was removed while away)", roomId);
      RoomEvent.State left =
          new RoomEvent.State(
              roomId, "$left", bot, "m.room.member", bot, Json.object().put("membership", "leave"));
      rooms.apply(left);
      authoritySeen.accept(left);
    }
    // Back in a room while every instance was down (invited and joined again by hand, say): what
    // the homeserver refused there because the bot was not in it goes out now, as it would on a
    // join seen live. Only refusals that say so: a 403 for want of power would only be refused
    // again.
    Map<String, List<OutboxStore.Failure>> refused =
        outbox.failures().stream()
            .filter(f -> roomIds.contains(f.target()) && refusedAsNotJoined(f.error()))
            .collect(Collectors.groupingBy(OutboxStore.Failure::target));
    refused.forEach(this::resend);
    upgrades.loaded();
  }

  /** A homeserver's refusal because the sender is not in the room (Synapse: "... not in room"). */
  static boolean refusedAsNotJoined(String error) {
    String lower = error.toLowerCase(Locale.ROOT);
    return lower.startsWith("http 403 ")
        && (lower.contains("not in room") || lower.contains("not in this room"));
  }

  @Override
  public BatchWrites takeWrites() {
    connections.batchTaken();
    if (queued.isEmpty()) return BatchWrites.NONE;
    BatchWrites out =
        new BatchWrites(
            queued.stream().<SqlWork<?>>map(LiveConnection.Queued::work).toList(),
            queued.stream().map(LiveConnection.Queued::committed).toList());
    queued.clear();
    return out;
  }

  @Override
  public boolean awaitCommands(String roomId, java.time.Duration timeout)
      throws InterruptedException {
    return commands.awaitAnswered(roomId, timeout);
  }

  /** A message as a homeserver would send it, for gateways that hand over no raw events. */
  private static ObjectNode raw(RoomEvent.Message m) {
    ObjectNode raw =
        Json.object()
            .put("type", "m.room.message")
            .put("event_id", m.eventId())
            .put("sender", m.sender())
            .put("room_id", m.roomId())
            .put("origin_server_ts", System.currentTimeMillis());
    raw.set("content", m.content().deepCopy());
    return raw;
  }

  /**
   * In a direct chat with the bot every message is a command; elsewhere those with the prefix. A
   * command, and a message that connections of the room claim for themselves (a forge command on
   * its own prefix, a hotlink), is recorded with the batch (committed with its sync position) and
   * answered on a {@link WaitingCommands} thread once it has committed, in room order: one that
   * waits on the outside world holds up its room's commands only. The room's connections get the
   * message now, in order, unless it held a secret (it is redacted then). A room with too many
   * commands waiting records no more ({@link WaitingCommands#ROOM_CAP}): a typed command is then
   * told so (at most once a minute per room), a hotlink let go.
   */
  private void onMessage(RoomEvent.Message received) {
    boolean direct =
        rooms.isDirectChat(received.roomId(), connections.botUserId(), received.sender());
    // An edit to a token command, or a reply quoting one: kept from connections and not run (in a
    // direct chat, or from a bot, nothing more); in a room, answered and redacted as that command.
    Optional<String> repeated = repeatedSecret(received.content(), direct);
    if (repeated.isPresent() && (direct || isNotice(received))) return;
    RoomEvent.Message m =
        repeated.isEmpty()
            ? received
            : new RoomEvent.Message(
                received.roomId(),
                received.eventId(),
                received.sender(),
                Json.object()
                    .put("msgtype", received.content().path("msgtype").asText(""))
                    .put("body", repeated.get()));
    // An m.notice is what bots post (the Matrix spec: never answer one): another bridge in the room
    // that posts a webhook's or feed's text starting with !hookshot would otherwise run it as a
    // command, with that bot's permissions, for whoever can post to its webhook.
    // An edit (m.replace) is not a command either, whatever its body: the command it corrects was
    // answered already, and a client that sends the new text without hookshot's "* " would have it
    // run again (a second webhook, a forge issue created twice) at every typo fixed.
    boolean edit = isEdit(m);
    boolean command = !isNotice(m) && !edit && dispatcher.isCommand(m.body(), direct);
    boolean secret = command && dispatcher.holdsSecret(m.body(), direct);
    // A message that holds a secret is never given to connections to answer, nor is an edit, nor
    // a notice: a forge connection's command on its own prefix (!gh create …) is no more one from
    // a bot than !grapple's are.
    List<String> claimants = secret || edit || isNotice(m) ? List.of() : connections.claimants(m);
    if (command || !claimants.isEmpty()) {
      SqlWork<WaitingCommands.Recorded> record =
          commands.received(
              m, direct, secret, claims(command, m, claimants), System.currentTimeMillis());
      // Set in the batch's transaction, read once it has committed.
      java.util.concurrent.atomic.AtomicReference<WaitingCommands.Recorded> recorded =
          new java.util.concurrent.atomic.AtomicReference<>(WaitingCommands.Recorded.RECORDED);
      queued.add(
          new LiveConnection.Queued(
              c -> {
                WaitingCommands.Recorded r = record.run(c);
                recorded.set(r);
                return r;
              },
              () ->
                  recorded(
                      m,
                      command,
                      secret,
                      claimants,
                      java.util.Objects.requireNonNull(recorded.get()))));
      commitUnlessBatched();
      if (secret && !direct) {
        // Now, not when the command's turn comes: a slow command before it in the room would
        // leave the secret showing meanwhile.
        redact(m.roomId(), m.eventId(), m.sender());
        return;
      }
    }
    connections.onMessage(m);
  }

  /**
   * Whether a message read as before the start (sent while the bot was down, not run) is a command
   * that holds a secret in a room: it is redacted all the same. Answered only when it comes live,
   * such a token stayed in the room for everyone to read.
   */
  private boolean heldASecret(RoomEvent.Message m) {
    if (isNotice(m) || isEdit(m) || !dispatcher.isCommand(m.body(), false)) return false;
    return dispatcher.holdsSecretInRoom(
        m.body(), rooms.isDirectChat(m.roomId(), connections.botUserId(), m.sender()));
  }

  private static boolean isNotice(RoomEvent.Message m) {
    return m.content().path("msgtype").asText("").equals("m.notice");
  }

  private static boolean isEdit(RoomEvent.Message m) {
    return m.content().path("m.relates_to").path("rel_type").asText("").equals("m.replace");
  }

  /**
   * After the batch that recorded {@code m} committed: its room's thread wakes; or, when the room
   * had too many commands waiting to take it, a typed command (not a hotlink) is told so.
   */
  private void recorded(
      RoomEvent.Message m,
      boolean command,
      boolean secret,
      List<String> claimants,
      WaitingCommands.Recorded recorded) {
    if (recorded.waits()) {
      commands.wake(m.roomId());
      return;
    }
    if (!command && !typedForAConnection(m, claimants)) return;
    Optional<String> notice = commands.fullNotice(m.roomId(), recorded);
    if (notice.isEmpty()) return;
    log.warn(
        "room {}: too many commands waiting ({}); the command of {} from {} and more were not"
            + " taken",
        m.roomId(),
        recorded == WaitingCommands.Recorded.SENDER_FULL ? "of its sender" : "in the room",
        m.eventId(),
        m.sender());
    // A message that held a secret is redacted (in a room): the notice replies to nothing then.
    ObjectNode content =
        inThread(
            secret ? Messages.notice(notice.get()) : Messages.reply(notice.get(), m.eventId()),
            threadRoot(m.content()));
    try {
      // Waited for (once a minute per room at most), as the batch's commit was.
      outbox.queue(m.roomId(), content).join();
    } catch (java.util.concurrent.CompletionException e) {
      log.warn(
          "room {}: could not queue the notice of too many commands waiting: {}",
          m.roomId(),
          String.valueOf(e.getCause()));
    }
  }

  /** Whether one of the connections that claimed {@code m} takes it as a command on its prefix. */
  private boolean typedForAConnection(RoomEvent.Message m, List<String> claimants) {
    for (String id : claimants) {
      Optional<Active> active = connections.byId(id);
      if (active.isPresent() && active.get().live().claimsAsCommand(m)) return true;
    }
    return false;
  }

  /**
   * What a waiting command records of the connections that claimed its message ({@link
   * WaitingCommands.Waiting#claims}) and of the thread it was sent in: null when none did and it
   * was sent in no thread.
   */
  private static @Nullable String claims(
      boolean command, RoomEvent.Message m, List<String> claimants) {
    Optional<String> thread = threadRoot(m.content());
    if (claimants.isEmpty() && thread.isEmpty()) return null;
    ObjectNode claims =
        Json.object()
            .put(CLAIMS_GRAPPLE, command)
            .put(CLAIMS_MSGTYPE, m.content().path("msgtype").asText(""));
    thread.ifPresent(root -> claims.put(CLAIMS_THREAD, root));
    if (!claimants.isEmpty()) claimants.forEach(claims.putArray(CLAIMS_CONNECTIONS)::add);
    return claims.toString();
  }

  /** The longest event id the Matrix spec allows; a longer "root" is nobody's. */
  private static final int MAX_EVENT_ID_LENGTH = 255;

  /**
   * The root of the thread a message was sent in ({@code m.relates_to} of {@code rel_type
   * m.thread}), if it was: its answers go to that thread, where whoever asked is looking.
   */
  static Optional<String> threadRoot(JsonNode content) {
    JsonNode relation = content.path("m.relates_to");
    if (!relation.path("rel_type").asText("").equals("m.thread")) return Optional.empty();
    String root = relation.path("event_id").asText("");
    return root.startsWith("$") && root.length() <= MAX_EVENT_ID_LENGTH
        ? Optional.of(root)
        : Optional.empty();
  }

  /**
   * Answers a command that waited ({@link WaitingCommands.Answerer}), on its room's commands
   * thread: once, even when a crash or another leader came between its answer and its deletion.
   */
  @Override
  public void answer(WaitingCommands.Waiting command) {
    if (answeredBefore(command.eventId()).isPresent()) {
      log.info(
          "room {}: the command of {} from {} was answered before; not again",
          command.roomId(),
          command.eventId(),
          command.sender());
      db.writeAndWait(WaitingCommands.answered(command));
      notCommitted.remove(command.seq());
      return;
    }
    ObjectNode claims = readClaims(command);
    Kept kept = notCommitted.get(command.seq());
    if (kept == null && command.effectBegunAt() != null) {
      // An earlier answer began to act on a forge and was cut short (a crash) before it was
      // queued: the forge may have done it, so it is not done again.
      log.warn(
          "room {}: the command of {} from {} began to act on a forge before a stop cut it short;"
              + " not run again",
          command.roomId(),
          command.eventId(),
          command.sender());
      kept =
          new Kept(
              Optional.of(new Dispatcher.Outcome(Reply.error(CUT_SHORT), List.of())), List.of());
    }
    if (kept == null) {
      kept =
          CommandEffects.during(
              () -> commands.effectBegun(command),
              () -> new Kept(outcome(command, claims), answersOfConnections(command, claims)));
      if (kept.outcome().isPresent() || !kept.replies().isEmpty())
        notCommitted.put(command.seq(), kept);
    }
    if (kept.outcome().isPresent() || claims.has(CLAIMS_CONNECTIONS))
      answer(
          command,
          kept.outcome(),
          kept.replies(),
          Optional.ofNullable(claims.path(CLAIMS_THREAD).textValue()));
    else db.writeAndWait(WaitingCommands.answered(command));
    notCommitted.remove(command.seq());
  }

  /** The answer to a command whose forge call may have been made before a stop cut it short. */
  static final String CUT_SHORT =
      "I was stopped while running this command, after asking the forge to make a change, so I"
          + " have not run it again. Check whether the change was made before you send it again.";

  /** The dispatcher's answer to {@code command}; empty for a message only connections claimed. */
  private Optional<Dispatcher.Outcome> outcome(WaitingCommands.Waiting command, ObjectNode claims) {
    String body = command.body();
    Optional<Dispatcher.Outcome> outcome;
    if (!claims.path(CLAIMS_GRAPPLE).asBoolean(true)) {
      outcome = Optional.empty();
    } else if (body == null) {
      outcome = Optional.of(new Dispatcher.Outcome(Reply.error(UNREADABLE), List.of()));
    } else if (command.direct()) {
      outcome =
          dispatcher.handleDirect(command.roomId(), command.sender(), command.eventId(), body);
    } else {
      outcome = dispatcher.handle(command.roomId(), command.sender(), command.eventId(), body);
    }
    return outcome;
  }

  /** The answer kept for {@code command}'s next try is not needed: it will have none. */
  @Override
  public void givenUp(WaitingCommands.Waiting command) {
    notCommitted.remove(command.seq());
  }

  /** How many commands have their answer kept for another try (tests). */
  int repliesKept() {
    return notCommitted.size();
  }

  /** The claims of {@code command}; a {@code !grapple} command only when it has none. */
  private static ObjectNode readClaims(WaitingCommands.Waiting command) {
    String claims = command.claims();
    if (claims == null) return Json.object().put(CLAIMS_GRAPPLE, true);
    try {
      return (ObjectNode) Json.MAPPER.readTree(claims);
    } catch (IOException | ClassCastException e) {
      throw new IllegalStateException("unreadable claims of waiting command " + command.seq(), e);
    }
  }

  /**
   * The replies of the first connection that claimed {@code command}'s message, still does (one
   * removed meanwhile, or whose prefix changed, answers nothing) and answers it, asked in the order
   * they claimed it: hookshot hands a message to a room's connections in turn and stops at the
   * first that handles it, so {@code #12} in a room following two repositories is answered once,
   * not once per repository. One that answers nothing (an issue it does not have, a refusal already
   * given this minute) leaves the message to the next.
   */
  private List<ObjectNode> answersOfConnections(
      WaitingCommands.Waiting command, ObjectNode claims) {
    String body = command.body();
    if (!claims.has(CLAIMS_CONNECTIONS) || body == null) return List.of();
    ObjectNode content =
        Json.object().put("msgtype", claims.path(CLAIMS_MSGTYPE).asText("")).put("body", body);
    RoomEvent.Message message =
        new RoomEvent.Message(command.roomId(), command.eventId(), command.sender(), content);
    List<ObjectNode> out = new ArrayList<>();
    for (com.fasterxml.jackson.databind.JsonNode id : claims.path(CLAIMS_CONNECTIONS)) {
      Optional<Active> active = connections.byId(id.asText());
      if (active.isEmpty() || !active.get().roomId().equals(command.roomId())) {
        log.info(
            "room {}: the connection {} that claimed the message {} from {} was removed before"
                + " its turn; it does not answer",
            command.roomId(),
            id.asText(),
            command.eventId(),
            command.sender());
      } else if (active.get().live().claims(message)) {
        out.addAll(active.get().live().answer(message));
        if (!out.isEmpty()) break;
      }
    }
    return out;
  }

  /**
   * Redacts a message that held a secret; when the bot may not, the reply has told the sender what
   * to do.
   */
  private void redact(String roomId, String eventId, String sender) {
    try {
      gateway.redact(roomId, eventId, "held a secret", "redact-" + eventId);
      log.info("room {}: redacted a message from {} that held a secret", roomId, sender);
    } catch (IOException | RuntimeException e) {
      log.warn(
          "room {}: could not redact a message from {} that held a secret: {}",
          roomId,
          sender,
          e.getMessage());
    }
  }

  /**
   * Queues the answer with the record that the event was answered and the deletion of the waiting
   * command, in one transaction, and waits for it: a batch replayed later finds the record and does
   * not answer again. A failure leaves the command waiting ({@link WaitingCommands} tries again).
   */
  private void answer(
      WaitingCommands.Waiting m,
      Optional<Dispatcher.Outcome> answered,
      List<ObjectNode> ofConnections,
      Optional<String> thread) {
    List<OutboxStore.Draft> drafts = new ArrayList<>();
    boolean redacted = false;
    if (answered.isPresent()) {
      Dispatcher.Outcome outcome = answered.get();
      log.info(
          "room {}: command from {} answered{}",
          m.roomId(),
          m.sender(),
          outcome.reply().isError() ? " with a refusal" : "");
      redacted = outcome.redact();
      if (redacted) {
        // The message was redacted when it was read (onMessage).
        drafts.add(
            draft(m.roomId(), inThread(Messages.notice(outcome.reply().markdown()), thread)));
      } else {
        drafts.add(
            draft(
                m.roomId(),
                inThread(Messages.reply(outcome.reply().markdown(), m.eventId()), thread)));
        for (String dm : outcome.directMessages())
          drafts.add(Outbox.direct(m.sender(), Messages.notice(dm)));
      }
    }
    for (ObjectNode reply : ofConnections) drafts.add(draft(m.roomId(), inThread(reply, thread)));
    String mark = (redacted ? ANSWERED_SECRET : ANSWERED) + m.eventId();
    long now = System.currentTimeMillis();
    try {
      outbox
          .postAll(
              drafts,
              db.asLeader(
                  c -> {
                    // Deleted meanwhile: another instance (a new leader, while this one had not
                    // yet heard it lost) answered it; this answer is rolled back.
                    if (Integer.valueOf(0).equals(WaitingCommands.answered(m).run(c)))
                      throw new AnsweredElsewhere();
                    return Sql.update(
                        c,
                        "INSERT INTO processed_events (event_id, processed_at) VALUES (?, ?)"
                            + " ON CONFLICT (event_id) DO NOTHING",
                        mark,
                        now);
                  }))
          .join();
    } catch (java.util.concurrent.CompletionException e) {
      if (!(e.getCause() instanceof AnsweredElsewhere)) throw e;
      log.info(
          "room {}: the command of {} from {} was answered meanwhile; not again",
          m.roomId(),
          m.eventId(),
          m.sender());
    }
  }

  /** The command being answered was no longer waiting: it was answered elsewhere. */
  private static final class AnsweredElsewhere extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AnsweredElsewhere() {
      super("answered elsewhere", null, false, false);
    }
  }

  /**
   * {@code content}, an answer in the room, put in {@code thread} when the command came from one: a
   * reply outside it lands in the room's main timeline, away from whoever asked. Content that
   * relates to something else already (an edit, a thread of its own) is left as it is.
   */
  private static ObjectNode inThread(ObjectNode content, Optional<String> thread) {
    if (thread.isEmpty() || content.path("m.relates_to").has("rel_type")) return content;
    return Messages.inThread(content, thread.get());
  }

  private static OutboxStore.Draft draft(String roomId, ObjectNode content) {
    return new OutboxStore.Draft(roomId, "m.room.message", content);
  }

  /**
   * Whether the command in {@code eventId} was answered before: empty if not, else whether it held
   * a secret (then the room's connections were not given it either).
   */
  private Optional<Boolean> answeredBefore(String eventId) {
    return db.first(
        "SELECT event_id FROM processed_events WHERE event_id IN (?, ?)",
        rs -> rs.getString(1).startsWith(ANSWERED_SECRET),
        ANSWERED + eventId,
        ANSWERED_SECRET + eventId);
  }
}
