package grapple.bot.github;

import static grapple.bot.github.GithubFixtures.commentNotice;
import static grapple.bot.github.GithubFixtures.config;
import static grapple.bot.github.GithubFixtures.defaults;
import static grapple.bot.github.GithubFixtures.enabling;
import static grapple.bot.github.GithubFixtures.json;
import static grapple.bot.github.GithubFixtures.payload;
import static grapple.bot.github.GithubFixtures.render;
import static grapple.bot.github.GithubFixtures.rendered;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.Mentions;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class IssueEventsTest {
  private static final String ISSUE_URL = "https://github.com/Codertocat/Hello-World/issues/1";
  private static final String LINK = "[Codertocat/Hello-World#1](" + ISSUE_URL + ")";
  private static final String HTML_LINK =
      "<a href=\"" + ISSUE_URL + "\">Codertocat/Hello-World#1</a>";

  @Test
  void anOpenedIssueIsHookshotsNoticeWithItsMachineKeys() {
    ObjectNode content = rendered("issues", payload("issues.opened"), defaults());

    assertThat(content)
        .isEqualTo(
            json(
                """
        {"msgtype": "m.notice",
         "body": "📥 **Codertocat** created new issue %s: \\"Spelling error in the README file\\" assigned to Codertocat with labels bug",
         "format": "org.matrix.custom.html",
         "formatted_body": "📥 <strong>Codertocat</strong> created new issue %s: &quot;Spelling error in the README file&quot; assigned to Codertocat with labels <span data-mx-bg-color=\\"#d73a4a\\" data-mx-color=\\"#000000\\">bug</span>",
         "m.mentions": {},
         "uk.half-shot.matrix-hookshot.github.issue": {"id": 444500041, "number": 1, "title": "Spelling error in the README file", "url": "%s"},
         "external_url": "%s",
         "uk.half-shot.matrix-hookshot.github.repo": {"id": 186853002, "name": "Codertocat/Hello-World", "url": "https://github.com/Codertocat/Hello-World"}}
        """
                    .formatted(LINK, HTML_LINK.replace("\"", "\\\""), ISSUE_URL, ISSUE_URL)));
  }

  /** A payload without the acting person (not GitHub's) posts nothing rather than "**** …". */
  @Test
  void anEventWithoutItsActorRendersNothing() {
    ObjectNode nullSender = payload("issues.reopened");
    nullSender.putNull("sender");
    ObjectNode loginless = payload("issues.opened");
    loginless.withObjectProperty("issue").putObject("user");
    ObjectNode blankCommenter = payload("issue_comment.created");
    blankCommenter.withObjectProperty("comment").putObject("user").put("login", " ");
    ObjectNode numberSender = payload("push");
    numberSender.putObject("sender").put("login", 7);

    assertThat(render("issues", nullSender, defaults())).isEmpty();
    assertThat(render("issues", loginless, defaults())).isEmpty();
    assertThat(render("issue_comment", blankCommenter, defaults())).isEmpty();
    assertThat(render("push", numberSender, enabling("push"))).isEmpty();
    assertThat(render("issues", payload("issues.reopened"), defaults())).isPresent();
    assertThat(render("push", payload("push"), enabling("push"))).isPresent();
  }

  @Test
  void severalAssigneesAreListed() {
    ObjectNode payload = payload("issues.opened");
    payload
        .withObjectProperty("issue")
        .putArray("assignees")
        .add(json("{\"login\":\"alice\"}"))
        .add(json("{\"login\":\"bob\"}"));
    payload.withObjectProperty("issue").putArray("labels");

    assertThat(rendered("issues", payload, defaults()).get("body").asText())
        .endsWith("\" assigned to alice, bob");
  }

  @Test
  void anOpenedIssueLinksItsIssueRoomWhenAskedAndTheServerIsKnown() {
    ObjectNode payload = payload("issues.opened");
    GithubMessages.Extras extras = GithubMessages.Extras.NONE.withIssueRoomServer("example.org");

    ObjectNode content =
        GithubMessages.render(
                "issues", payload, config("\"showIssueRoomLink\": true"), Mentions.NONE, extras)
            .orElseThrow();

    assertThat(content.get("body").asText())
        .contains(
            "assigned to Codertocat [Issue Room](https://matrix.to/#/#github_codertocat_hello-world_1:example.org) with labels bug");
    assertThat(rendered("issues", payload, defaults()).get("body").asText())
        .doesNotContain("Issue Room");
  }

  @Test
  void aReopenedIssue() {
    ObjectNode content = rendered("issues", payload("issues.reopened"), defaults());

    assertThat(content.get("body").asText())
        .isEqualTo(
            "🔷 **Codertocat** reopened issue " + LINK + ": \"Spelling error in the README file\"");
    assertThat(content.get("formatted_body").asText())
        .isEqualTo(
            "🔷 <strong>Codertocat</strong> reopened issue "
                + HTML_LINK
                + ": &quot;Spelling error in the README file&quot;");
    assertThat(content.get("uk.half-shot.matrix-hookshot.github.issue").get("number").asInt())
        .isEqualTo(1);
  }

  @Test
  void aClosedIssueWithTheCommentMadeWithIt() {
    ObjectNode payload = closed();
    GithubMessages.Extras extras =
        GithubMessages.Extras.NONE.withClosingComment("Fixed in <b>#2</b>");

    ObjectNode content =
        GithubMessages.render("issues", payload, defaults(), Mentions.NONE, extras).orElseThrow();

    assertThat(content.get("body").asText())
        .isEqualTo(
            "⬛ **Codertocat** closed issue "
                + LINK
                + ": \"Spelling error in the README file\" with comment \"Fixed in <b>#2</b>\"");
    assertThat(content.get("formatted_body").asText())
        .endsWith(
            "&quot;Spelling error in the README file&quot; with comment &quot;Fixed in &lt;b&gt;#2&lt;/b&gt;&quot;");
  }

  @Test
  void closingAndReopeningWantTheCommentMadeWithThem() {
    assertThat(GithubMessages.wantsClosingComment("issues", closed())).isTrue();
    assertThat(GithubMessages.wantsClosingComment("issues", payload("issues.reopened"))).isTrue();
    assertThat(GithubMessages.wantsClosingComment("issues", payload("issues.edited"))).isFalse();
  }

  @Test
  void anEditedIssue() {
    ObjectNode content = rendered("issues", payload("issues.edited"), defaults());

    assertThat(content.get("body").asText())
        .isEqualTo(
            "✏️ **Codertocat** edited issue " + LINK + ": \"Spelling error in the README file\"");
  }

  @Test
  void aLabeledIssueIsShownOnlyForLabelsTheRoomIncludes() {
    ObjectNode payload = payload("issues.labeled");

    assertThat(render("issues", payload, defaults())).isEmpty();
    assertThat(render("issues", payload, config("\"includingLabels\": [\"docs\"]"))).isEmpty();
    assertThat(
            rendered("issues", payload, config("\"includingLabels\": [\"bug\"]"))
                .get("body")
                .asText())
        .isEqualTo(
            "🗃 **Codertocat** labeled issue "
                + LINK
                + ": \"Spelling error in the README file\" with labels bug");
  }

  @Test
  void aBatchOfAddedLabelsDecidesInsteadOfTheEventsOwnLabel() {
    GithubMessages.Extras extras =
        GithubMessages.Extras.NONE.withAddedLabels(Set.of("docs", "help"));

    assertThat(
            GithubMessages.render(
                "issues",
                payload("issues.labeled"),
                config("\"includingLabels\": [\"help\"]"),
                Mentions.NONE,
                extras))
        .isPresent();
    assertThat(
            GithubMessages.render(
                "issues",
                payload("issues.labeled"),
                config("\"includingLabels\": [\"bug\"]"),
                Mentions.NONE,
                extras))
        .isEmpty();
  }

  @Test
  void aLabelRightAfterOpeningIsTooSoon() {
    ObjectNode payload = payload("issues.labeled");
    payload.withObjectProperty("issue").put("created_at", "2026-01-01T10:00:00Z");

    assertThat(
            GithubMessages.labeledTooSoon(payload, java.time.Instant.parse("2026-01-01T10:00:05Z")))
        .isTrue();
    assertThat(
            GithubMessages.labeledTooSoon(payload, java.time.Instant.parse("2026-01-01T10:00:06Z")))
        .isFalse();
  }

  @Test
  void aCommentIsQuoted() {
    ObjectNode content =
        rendered(
            "issue_comment",
            payload("issue_comment.created"),
            config("\"enableHooks\": [\"issue.comment\"]"));

    assertThat(content.get("body").asText())
        .isEqualTo(
            "🗣 **Codertocat** [commented]("
                + ISSUE_URL
                + ") on "
                + LINK
                + "  \n> You are totally right! I'll get this fixed right away.");
    assertThat(content.get("formatted_body").asText())
        .isEqualTo(
            "<p>🗣 <strong>Codertocat</strong> <a href=\""
                + ISSUE_URL
                + "\">commented</a> on "
                + HTML_LINK
                + "</p>\n"
                + "<blockquote>\n<p>You are totally right! I'll get this fixed right away.</p>\n</blockquote>");
    assertThat(content.get("uk.half-shot.matrix-hookshot.github.issue").get("id").asLong())
        .isEqualTo(444500041);
    assertThat(content.get("external_url").asText()).isEqualTo(ISSUE_URL);
  }

  @Test
  void aLongCommentIsCutAt256Characters() {
    String body = commentNotice("a".repeat(255) + "bc").get("body").asText();

    assertThat(body).endsWith("\n> " + "a".repeat(255) + "b…");
  }

  @Test
  void aCommentOf256CharactersIsWhole() {
    String body = commentNotice("a".repeat(256)).get("body").asText();

    assertThat(body).endsWith("\n> " + "a".repeat(256));
  }

  @Test
  void aCutNeverSplitsACharacterOutsideTheBasicPlane() {
    assertThat(GithubEvent.cut("a".repeat(255) + "😀z", 256)).isEqualTo("a".repeat(255) + "…");
  }

  /** What the defaults render nothing for: comments (off by default) and what is not an issue. */
  static Stream<Arguments> silentUnderTheDefaults() {
    ObjectNode pinned = payload("issues.opened");
    pinned.put("action", "pinned");
    ObjectNode withoutNumber = payload("issues.opened");
    withoutNumber.withObjectProperty("issue").remove("number");
    return Stream.of(
        Arguments.of("issue_comment", Named.of("a comment", payload("issue_comment.created"))),
        Arguments.of("issues", Named.of("another issue action", pinned)),
        Arguments.of("issues", Named.of("an issue without a number", withoutNumber)));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("silentUnderTheDefaults")
  void rendersNothingUnderTheDefaults(String event, ObjectNode payload) {
    assertThat(render(event, payload, defaults())).isEmpty();
  }

  @Test
  void labelFiltersApplyToIssueEventsAndComments() {
    GithubRepoConfig excluding =
        config("\"excludingLabels\": [\"bug\"], \"enableHooks\": [\"issue\", \"issue.comment\"]");
    GithubRepoConfig including =
        config("\"includingLabels\": [\"bug\"], \"enableHooks\": [\"issue\", \"issue.comment\"]");

    for (String name : new String[] {"issues.opened", "issues.edited", "issues.reopened"}) {
      assertThat(render("issues", payload(name), excluding)).as(name).isEmpty();
      assertThat(render("issues", payload(name), including)).as(name).isPresent();
    }
    assertThat(render("issue_comment", payload("issue_comment.created"), excluding)).isEmpty();
    assertThat(render("issue_comment", payload("issue_comment.created"), including)).isPresent();
  }

  static ObjectNode closed() {
    ObjectNode payload = payload("issues.reopened");
    payload.put("action", "closed");
    payload.withObjectProperty("issue").put("state", "closed");
    return payload;
  }
}
