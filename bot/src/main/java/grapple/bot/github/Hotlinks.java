package grapple.bot.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.ForgeNotices;
import grapple.bot.forge.Mentions;
import grapple.bot.forge.Notice;
import grapple.bot.room.Messages;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Issue hotlinks ({@code hotlinkIssues}): finds {@code #123} in what room members write, outside
 * code and quotes, and formats the answer {@code Issue|Pull Request [#123](url): title (state)}.
 */
final class Hotlinks {
  /** At most this many references are answered per message. */
  static final int MAX_PER_MESSAGE = 3;

  static final int MAX_DIGITS = 10;

  /** Only the start of a long message is searched. */
  static final int MAX_SCANNED_CHARS = 10_000;

  private Hotlinks() {}

  /**
   * The issue numbers referred to in an {@code m.text} or {@code m.emote} message ({@code
   * content}), in order, without repeats: {@code prefix} and 1-10 digits, standing alone (after the
   * start, a space or "(", before the end, a space or punctuation). None in an edit ({@code
   * m.replace}): the message it corrects was answered already, and its {@code "* …"} body repeats
   * the references, so every typo fixed would post the same answers again.
   */
  static List<Long> find(JsonNode content, String prefix) {
    String msgtype = content.path("msgtype").asText("");
    if ((!msgtype.equals("m.text") && !msgtype.equals("m.emote"))
        || !content.path("body").isTextual()
        || isEdit(content)) return List.of();
    String body = content.get("body").asText();
    String text =
        withoutCodeAndQuotes(
            body.length() > MAX_SCANNED_CHARS ? body.substring(0, MAX_SCANNED_CHARS) : body);
    Pattern reference =
        Pattern.compile(
            "(?<=^|[\\s(])"
                + Pattern.quote(prefix)
                + "(\\d{1,"
                + MAX_DIGITS
                + "})(?=$|[\\s.,;:!?)])",
            Pattern.MULTILINE);
    List<Long> out = new ArrayList<>();
    Matcher m = reference.matcher(text);
    while (m.find() && out.size() < MAX_PER_MESSAGE) {
      long number = Long.parseLong(m.group(1));
      if (number > 0 && !out.contains(number)) out.add(number);
    }
    return out;
  }

  private static boolean isEdit(JsonNode content) {
    return content.path("m.relates_to").path("rel_type").asText("").equals("m.replace");
  }

  /**
   * The text outside fenced code blocks, code spans and quoted lines (a reply's fallback among
   * them).
   */
  static String withoutCodeAndQuotes(String text) {
    StringBuilder out = new StringBuilder();
    String fence = null;
    for (String line : text.split("\n", -1)) {
      String trimmed = line.stripLeading();
      if (fence != null) {
        if (trimmed.startsWith(fence)) fence = null;
      } else if (trimmed.startsWith("```") || trimmed.startsWith("~~~")) {
        fence = trimmed.substring(0, 3);
      } else if (!trimmed.startsWith(">")) {
        out.append(withoutCodeSpans(line));
      }
      out.append('\n');
    }
    return out.toString();
  }

  /**
   * {@code line} with each code span (a backtick run up to the next run of the same length)
   * removed.
   */
  static String withoutCodeSpans(String line) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < line.length()) {
      int open = line.indexOf('`', i);
      if (open < 0) return out.append(line, i, line.length()).toString();
      out.append(line, i, open);
      int run = runLength(line, open);
      int close = closingRun(line, open + run, run);
      out.append(close < 0 ? line.substring(open, open + run) : " ");
      i = close < 0 ? open + run : close + run;
    }
    return out.toString();
  }

  private static int runLength(String line, int from) {
    int end = from;
    while (end < line.length() && line.charAt(end) == '`') end++;
    return end - from;
  }

  /** Where the next run of exactly {@code run} backticks at or after {@code from} starts, or -1. */
  private static int closingRun(String line, int from, int run) {
    int i = from;
    while (i < line.length()) {
      if (line.charAt(i) != '`') {
        i++;
        continue;
      }
      int length = runLength(line, i);
      if (length == run) return i;
      i += length;
    }
    return -1;
  }

  /**
   * The answer for one issue or PR ({@code issue}: GitHub's REST issue object): {@code Issue
   * [#123](url): title (open)}. It mentions nobody.
   */
  static ObjectNode message(
      JsonNode issue, GithubRepoConfig config, Optional<String> issueRoomServer) {
    boolean pullRequest = issue.hasNonNull("pull_request");
    Notice n =
        new Notice(Mentions.NONE)
            .text(pullRequest ? "Pull Request " : "Issue ")
            .link("#" + issue.path("number").asText(), GithubEvent.url(issue))
            .text(": " + ForgeNotices.title(issue) + " (" + issue.path("state").asText("") + ")");
    if (config.showIssueRoomLink() && issueRoomServer.isPresent()) {
      String alias = config.issueRoomAlias(issue.path("number").asText(), issueRoomServer.get());
      n.text(" ").link("Issue Room", "https://matrix.to/#/" + alias);
    }
    ObjectNode content = GithubKeys.issue(n.build(), issue);
    if (pullRequest) GithubKeys.pullRequest(content, issue);
    if (issue.path("repository").isObject()) GithubKeys.repo(content, issue.get("repository"));
    if (config.showUrlPreviews().equals(Optional.of(false)))
      content.putArray("com.beeper.linkpreviews");
    return Messages.fitToLimit(content);
  }
}
