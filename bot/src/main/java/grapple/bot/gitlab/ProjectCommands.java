package grapple.bot.gitlab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.Followed;
import grapple.bot.forge.ForgeException;
import grapple.bot.forge.RoomCommands;
import grapple.commands.Markdown;
import grapple.state.BadInput;
import grapple.state.Connection;
import grapple.state.Json;
import grapple.state.LinkedAccounts.Account;
import java.util.Arrays;
import java.util.List;
import okhttp3.HttpUrl;

/**
 * What a {@code GitLabRepo} connection answers in its room, on its prefix ({@code !gl create},
 * {@code create-confidential}, {@code close}, {@code help}), acting with the sender's linked
 * account on the project's instance. GitLab is called on the room's commands thread, off the thread
 * that reads rooms (see {@link RoomCommands}).
 */
final class ProjectCommands {
  private static final int MAX_TITLE = 255;

  private final GitlabParts parts;
  private final RoomCommands commands;

  ProjectCommands(GitlabParts parts) {
    this.parts = parts;
    this.commands =
        new RoomCommands(parts.context(), GitlabService.NAME, null, ProjectCommands::help);
  }

  /** What the connection with {@code config} answers in its room: its commands. */
  Followed.RoomAnswers answers(Connection connection, GitlabRepoConfig config) {
    return commands.answers(connection, config, config.commandPrefix(), this::run);
  }

  /** Runs {@code verb}; returns the reply (Markdown). */
  String run(
      GitlabRepoConfig config, String sender, String verb, List<String> args, String prefix) {
    List<String> verbs = List.of("create", "create-confidential", "close");
    if (!verbs.contains(verb)) throw RoomCommands.unknown(prefix, verb, "project", verbs);
    HttpUrl url = parts.instanceUrl(config.instance());
    Account account = parts.account(config.instance(), sender);
    try {
      return verb.equals("close")
          ? close(config, url, account, args, prefix)
          : create(config, url, account, args, verb.equals("create-confidential"), prefix);
    } catch (ForgeException e) {
      return GitlabParts.explain(e, config.instance(), config.path());
    }
  }

  private String create(
      GitlabRepoConfig config,
      HttpUrl url,
      Account account,
      List<String> args,
      boolean confidential,
      String prefix)
      throws ForgeException {
    if (args.isEmpty() || args.get(0).isBlank() || args.size() > 3) {
      throw new BadInput(
          "title",
          "Usage: "
              + Markdown.code(
                  prefix
                      + (confidential ? " create-confidential" : " create")
                      + " <title> [description] [labels,comma,separated]")
              + " (quote a title or description with spaces).");
    }
    String title = args.get(0).strip();
    BadInput.check(
        title.length() <= MAX_TITLE, "title", "must be at most %d characters", MAX_TITLE);
    ObjectNode issue = Json.object().put("title", title);
    if (args.size() > 1) issue.put("description", args.get(1));
    if (args.size() > 2) {
      String labels =
          String.join(
              ",",
              Arrays.stream(args.get(2).split(","))
                  .map(String::strip)
                  .filter(l -> !l.isEmpty())
                  .toList());
      if (!labels.isEmpty()) issue.put("labels", labels);
    }
    if (confidential) issue.put("confidential", true);
    JsonNode created = parts.client().createIssue(url, account.token(), config.path(), issue);
    // hookshot 7.4's words: "Created issue #12: [url](url)", "Created confidential issue #12: …"
    String page = created.path("web_url").asText();
    return "Created "
        + (confidential ? "confidential " : "")
        + "issue #"
        + created.path("iid").asText()
        + ": ["
        + page
        + "]("
        + page
        + ")";
  }

  private String close(
      GitlabRepoConfig config, HttpUrl url, Account account, List<String> args, String prefix)
      throws ForgeException {
    if (args.isEmpty() || !args.get(0).matches("#?\\d{1,10}") || args.size() > 2) {
      throw new BadInput("number", "Usage: " + Markdown.code(prefix + " close <number> [comment]"));
    }
    long iid = Long.parseLong(args.get(0).replace("#", ""));
    if (args.size() > 1 && !args.get(1).isBlank())
      parts.client().comment(url, account.token(), config.path(), iid, args.get(1));
    JsonNode closed = parts.client().closeIssue(url, account.token(), config.path(), iid);
    return "Closed issue " + link(config, closed) + ".";
  }

  private static String link(GitlabRepoConfig config, JsonNode issue) {
    return RoomCommands.issueLink(
        config.path(), issue.path("iid").asText(), issue.path("web_url").asText());
  }

  static String help(String prefix) {
    return RoomCommands.help(
        prefix,
        "Commands for this project (with your linked GitLab account):",
        "create <title> [description] [labels,comma,separated]",
        "create-confidential <title> [description] [labels,comma,separated]",
        "close <number> [comment]");
  }
}
