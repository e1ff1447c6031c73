package grapple.bot.github;

import static grapple.bot.github.GithubFixtures.commentNotice;
import static grapple.bot.github.GithubFixtures.config;
import static grapple.bot.github.GithubFixtures.defaults;
import static grapple.bot.github.GithubFixtures.json;
import static grapple.bot.github.GithubFixtures.linked;
import static grapple.bot.github.GithubFixtures.payload;
import static grapple.bot.github.GithubFixtures.rendered;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.Mentions;
import grapple.bot.forge.Pills;
import grapple.bot.room.Messages;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Escaping, mentions and size of the notices, whatever GitHub users put in titles, names and
 * comments.
 */
class NoticeTest {
  private static final String HOSTILE =
      "<script>alert(1)</script> [click](https://evil.example) **bold** <b>x</b>";

  @Test
  void aHostileTitleStaysTextInTheHtml() {
    ObjectNode payload = payload("issues.opened");
    payload.withObjectProperty("issue").put("title", HOSTILE);

    String html = rendered("issues", payload, defaults()).get("formatted_body").asText();

    assertThat(html)
        .contains(
            "&quot;&lt;script&gt;alert(1)&lt;/script&gt; [click](https://evil.example) **bold** "
                + "&lt;b&gt;x&lt;/b&gt;&quot;");
    assertThat(html)
        .doesNotContain("<script", "evil.example\"", "<b>", "<em>")
        .containsOnlyOnce("<strong>");
  }

  /**
   * A right-to-left override (U+202E) or isolate left open in a title would turn the rest of the
   * bot's line around (the quote, the labels, the assignee read in another order than written): as
   * in the bot's other notices, such controls show as U+FFFD, in the body and the HTML alike.
   */
  @Test
  void aTitleCannotTurnTheRestOfTheNoticeAround() {
    ObjectNode payload = payload("issues.opened");
    payload.withObjectProperty("issue").put("title", "Fix \u202Egnp.exe\u2066 now");
    payload.withObjectProperty("issue").withObjectProperty("user").put("login", "eve\u202D");

    ObjectNode content = rendered("issues", payload, defaults());

    for (String field : new String[] {"body", "formatted_body"}) {
      assertThat(content.get(field).asText())
          .as(field)
          .contains("Fix \uFFFDgnp.exe\uFFFD now", "eve\uFFFD")
          .doesNotContain("\u202E", "\u2066", "\u202D");
    }
  }

  @Test
  void theBodyKeepsTheTitleAsGithubGaveIt() {
    ObjectNode payload = payload("issues.edited");
    payload.withObjectProperty("issue").put("title", HOSTILE);

    assertThat(rendered("issues", payload, defaults()).get("body").asText())
        .endsWith(": \"" + HOSTILE + "\"");
  }

  @Test
  void aHostileCommentIsSanitised() {
    String html =
        commentHtml(
            "<script>alert(1)</script>[x](javascript:alert(1)) <img src=\"https://evil.example/x.png\" onerror=\"y\"> ok");

    assertThat(html).endsWith("<blockquote>\n[x](javascript:alert(1)) <img> ok\n</blockquote>");
    assertThat(html).doesNotContain("<script", "href=\"javascript", "src=", "onerror");
  }

  @Test
  void aMarkdownLinkInACommentMayOnlyGoToAWebAddress() {
    assertThat(commentHtml("[x](javascript:alert(1)) and [y](https://example.org)"))
        .endsWith(
            "<blockquote>\n<p>x and <a href=\"https://example.org\">y</a></p>\n</blockquote>");
  }

  private static String commentHtml(String comment) {
    return commentNotice(comment).get("formatted_body").asText();
  }

  @Test
  void aHostileLoginAndLabelAreEscaped() {
    ObjectNode payload = payload("issues.opened");
    payload.withObjectProperty("issue").withObjectProperty("user").put("login", "<i>eve</i>");
    payload
        .withObjectProperty("issue")
        .putArray("labels")
        .add(json("{\"name\": \"<u>x</u>\", \"color\": \"\\\"><script>\"}"));

    String html = rendered("issues", payload, defaults()).get("formatted_body").asText();

    assertThat(html)
        .startsWith("📥 <strong>&lt;i&gt;eve&lt;/i&gt;</strong>")
        .endsWith("<span>&lt;u&gt;x&lt;/u&gt;</span>");
  }

  @Test
  void aLinkOnlyGoesToAWebAddress() {
    ObjectNode payload = payload("release.published");
    payload.withObjectProperty("release").put("html_url", "javascript:alert(1)");

    String html = rendered("release", payload, defaults()).get("formatted_body").asText();

    assertThat(html)
        .isEqualTo("📣 <strong>Codertocat</strong> released 0.0.1 for Codertocat/Hello-World");
  }

  @Test
  void aLinkedActorIsAPillAndMentioned() {
    Mentions mentions = linked(Map.of("Codertocat", "@coder:example.org"));

    ObjectNode content =
        GithubMessages.render("issues", payload("issues.opened"), defaults(), mentions)
            .orElseThrow();

    assertThat(content.get("formatted_body").asText())
        .startsWith(
            "📥 <strong><a href=\"https://matrix.to/#/@coder:example.org\">Codertocat</a></strong> created new issue")
        .contains(
            "assigned to <a href=\"https://matrix.to/#/@coder:example.org\">Codertocat</a> with labels");
    assertThat(content.get("m.mentions"))
        .isEqualTo(json("{\"user_ids\": [\"@coder:example.org\"]}"));
    assertThat(content.get("body").asText()).startsWith("📥 **Codertocat** created new issue");
  }

  @Test
  void aLinkedLoginInATitleIsMentionedAndOthersStayText() {
    ObjectNode payload = payload("pull_request.opened");
    payload
        .withObjectProperty("pull_request")
        .put("title", "Fix for @alice and @bob, mail a@alice.com");
    Mentions mentions = linked(Map.of("alice", "@alice:example.org"));

    ObjectNode content =
        GithubMessages.render("pull_request", payload, defaults(), mentions).orElseThrow();

    assertThat(content.get("formatted_body").asText())
        .contains(
            "&quot;Fix for <a href=\"https://matrix.to/#/"
                + "@alice:example.org\">@alice</a> and @bob, mail a@alice.com&quot;");
    assertThat(content.get("m.mentions"))
        .isEqualTo(json("{\"user_ids\": [\"@alice:example.org\"]}"));
  }

  @Test
  void aReviewerIsMentioned() {
    Mentions mentions = linked(Map.of("Codertocat", "@coder:example.org"));

    ObjectNode content =
        GithubMessages.render(
                "pull_request_review",
                PullRequestEventsTest.review("approved"),
                defaults(),
                mentions)
            .orElseThrow();

    assertThat(content.get("m.mentions").get("user_ids").get(0).asText())
        .isEqualTo("@coder:example.org");
  }

  @Test
  void nobodyLinkedMeansAnEmptyMentions() {
    ObjectNode payload = payload("issues.opened");
    payload.withObjectProperty("issue").put("title", "@room please look, @alice");

    ObjectNode content = rendered("issues", payload, defaults());

    assertThat(content.get("m.mentions")).isEqualTo(json("{}"));
    assertThat(content.get("formatted_body").asText()).doesNotContain("matrix.to");
  }

  @Test
  void aUserIdThatCouldBreakTheHtmlIsNotUsed() {
    Mentions mentions = linked(Map.of("Codertocat", "@x:y\" onmouseover=\"alert(1)"));

    ObjectNode content =
        GithubMessages.render(
                "push", payload("push"), config("\"enableHooks\": [\"push\"]"), mentions)
            .orElseThrow();

    assertThat(content.get("formatted_body").asText()).startsWith("<strong>Codertocat</strong>");
    assertThat(content.get("m.mentions")).isEqualTo(json("{}"));
  }

  @Test
  void atMostTenPeopleAreLookedUp() {
    List<String> asked = new ArrayList<>();
    Mentions mentions =
        login -> {
          asked.add(login);
          return Optional.of("@" + login + ":example.org");
        };
    StringBuilder title = new StringBuilder();
    for (int i = 0; i < 20; i++) title.append("@u").append(i).append(' ');
    ObjectNode payload = payload("issues.edited");
    payload.withObjectProperty("issue").put("title", title.toString());

    ObjectNode content =
        GithubMessages.render("issues", payload, defaults(), mentions).orElseThrow();

    assertThat(asked).hasSize(Pills.MAX_MENTIONS);
    assertThat(content.get("m.mentions").get("user_ids")).hasSize(Pills.MAX_MENTIONS);
  }

  @Test
  void hugeReleaseNotesStillFitInOneEvent() {
    ObjectNode payload = payload("release.published");
    payload.withObjectProperty("release").put("body", "word <b>x</b> ".repeat(20_000));

    ObjectNode content = rendered("release", payload, defaults());

    assertThat(Messages.size(content)).isLessThanOrEqualTo(Messages.MAX_CONTENT_BYTES);
    assertThat(content.get("body").asText()).startsWith("📣 **Codertocat** released [0.0.1]");
  }

  @Test
  void aHugeDiffStillFitsInOneEvent() {
    GithubMessages.Extras extras =
        GithubMessages.Extras.NONE.withDiff("+\"<&>\" line\n".repeat(50_000));

    ObjectNode content =
        GithubMessages.render(
                "pull_request",
                payload("pull_request.opened"),
                config("\"prDiff\": {\"enabled\": true, \"maxLines\": 1000000}"),
                Mentions.NONE,
                extras)
            .orElseThrow();

    assertThat(Messages.size(content)).isLessThanOrEqualTo(Messages.MAX_CONTENT_BYTES);
  }
}
