package grapple.bot.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.Followed;
import grapple.bot.forge.ForgeException;
import grapple.bot.forge.RoomCommands;
import grapple.bot.room.RoomEvent;
import grapple.commands.Markdown;
import grapple.state.Connection;
import grapple.state.Fatal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@code GithubRepo} connection answers in its room: commands on its prefix ({@code !gh
 * create}, {@code assign}, {@code close}, {@code workflow run}, {@code help}), acting with the
 * sender's linked account, and hotlinks ({@code #123}). Both are claimed on the thread that reads
 * rooms and answered on the room's commands thread (see {@link RoomCommands}): a slow GitHub holds
 * up no other room. Hotlinks take that path too, although they change nothing on GitHub: a batch
 * read again after a crash would otherwise answer them twice, and they keep their place in the
 * room's order among the commands' replies.
 */
final class RepoCommands {
  private static final Logger log = LoggerFactory.getLogger(RepoCommands.class);

  private final GithubParts parts;
  private final RoomCommands commands;
  private final IssueActions actions;

  RepoCommands(GithubParts parts) {
    this.parts = parts;
    this.commands = new RoomCommands(parts.context(), GithubService.NAME, null, RepoCommands::help);
    this.actions = new IssueActions(parts);
  }

  /** What the connection with {@code config} answers in its room: its commands, then hotlinks. */
  Followed.RoomAnswers answers(Connection connection, GithubRepoConfig config) {
    return new Followed.RoomAnswers() {
      @Override
      public boolean claims(RoomEvent.Message message) {
        return RoomCommands.claims(config.commandPrefix(), message)
            || !hotlinked(config, message).isEmpty();
      }

      @Override
      public boolean claimsAsCommand(RoomEvent.Message message) {
        return RoomCommands.claims(config.commandPrefix(), message);
      }

      @Override
      public List<ObjectNode> answer(RoomEvent.Message message) {
        if (RoomCommands.claims(config.commandPrefix(), message))
          return commands.answer(connection, config, config.commandPrefix(), message, actions::run);
        List<Long> numbers = hotlinked(config, message);
        if (numbers.isEmpty()) return List.of();
        try {
          return hotlinks(connection, config, message, numbers);
        } catch (RuntimeException e) {
          Fatal.haltIfFatal(e);
          log.error("room {}: hotlinks of {} failed", connection.roomId(), message.eventId(), e);
          return List.of();
        }
      }
    };
  }

  /** The issue numbers {@code message} refers to, when the connection answers hotlinks. */
  private static List<Long> hotlinked(GithubRepoConfig config, RoomEvent.Message message) {
    return config.hotlinkPrefix().isEmpty()
        ? List.of()
        : Hotlinks.find(message.content(), config.hotlinkPrefix().get());
  }

  private List<ObjectNode> hotlinks(
      Connection connection,
      GithubRepoConfig config,
      RoomEvent.Message message,
      List<Long> numbers) {
    Optional<String> token;
    try {
      token = parts.botToken(config.org(), config.repo(), message.sender());
    } catch (ForgeException e) {
      log.debug("room {}: no token for hotlinks: {}", connection.roomId(), e.getMessage());
      return List.of();
    }
    if (token.isEmpty()) return List.of();
    List<ObjectNode> out = new ArrayList<>();
    for (long number : numbers) {
      try {
        JsonNode issue;
        try {
          issue = parts.client().issue(token.get(), config.org(), config.repo(), number);
        } catch (ForgeException e) {
          // The app's installation token was revoked (the app installed again): a new one, once.
          if (e.status() != 401 || !parts.appTokenRefused(token.get())) throw e;
          token = parts.botToken(config.org(), config.repo(), message.sender());
          if (token.isEmpty()) return out;
          issue = parts.client().issue(token.get(), config.org(), config.repo(), number);
        }
        ObjectNode content = Hotlinks.message(issue, config, Optional.empty());
        content
            .putObject("m.relates_to")
            .putObject("m.in_reply_to")
            .put("event_id", message.eventId());
        out.add(content);
      } catch (ForgeException e) {
        log.debug(
            "room {}: hotlink #{} of {}/{}: {}",
            connection.roomId(),
            number,
            config.org(),
            config.repo(),
            e.getMessage());
      }
    }
    return out;
  }

  static String help(String prefix) {
    return String.join(
        "\n",
        "Commands for this repository (with your linked GitHub account):",
        "- " + Markdown.code(prefix + " create <title> [description] [labels,comma,separated]"),
        "- "
            + Markdown.code(prefix + " assign [number] [users…]")
            + " (users: GitHub logins or linked Matrix ids;"
            + " default: the latest issue and yourself)",
        "- " + Markdown.code(prefix + " close <number> [comment]"),
        "- " + Markdown.code(prefix + " workflow run <name> [k=v,k2=v2] [ref]"),
        "- " + Markdown.code(prefix + " help"));
  }
}
