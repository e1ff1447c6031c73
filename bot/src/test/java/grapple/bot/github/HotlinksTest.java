package grapple.bot.github;

import static grapple.bot.github.GithubFixtures.config;
import static grapple.bot.github.GithubFixtures.defaults;
import static grapple.bot.github.GithubFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.Json;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HotlinksTest {
  private static final ObjectNode ISSUE =
      json(
          """
      {"id": 444500041, "number": 1, "title": "Spelling <error> in the README", "state": "open",
       "html_url": "https://github.com/Codertocat/Hello-World/issues/1"}""");

  @Test
  void findsAReferenceStandingAlone() {
    assertThat(find("see #12")).containsExactly(12L);
    assertThat(find("#7 is done")).containsExactly(7L);
    assertThat(find("(#3)")).containsExactly(3L);
    assertThat(find("fixed in #42, thanks!")).containsExactly(42L);
  }

  /**
   * An edit's body ("* …") repeats the references of the message it corrects, which were answered
   * already: answering it would post the same answers again for each typo fixed. A reply (which
   * also has m.relates_to) is still answered.
   */
  @Test
  void anEditOfAMessageIsNotAnsweredAgain() {
    ObjectNode edit =
        json(
            """
            {"msgtype": "m.text", "body": "* see #12, it is teh same bug",
             "m.new_content": {"msgtype": "m.text", "body": "see #12, it is the same bug"},
             "m.relates_to": {"rel_type": "m.replace", "event_id": "$original"}}""");
    ObjectNode reply =
        json(
            """
            {"msgtype": "m.text", "body": "see #12",
             "m.relates_to": {"m.in_reply_to": {"event_id": "$question"}}}""");

    assertThat(Hotlinks.find(edit, "#")).isEmpty();
    assertThat(Hotlinks.find(reply, "#")).containsExactly(12L);
  }

  @Test
  void ignoresNumbersInsideWordsOrWithoutThePrefix() {
    assertThat(find("issue12 a#12 #12b 12 #0 ##5")).isEmpty();
  }

  @Test
  void findsAtMostThreeInOrderWithoutRepeats() {
    assertThat(find("#5 #4 #5 #3 #2 #1")).containsExactly(5L, 4L, 3L);
  }

  @Test
  void numbersHaveAtMostTenDigits() {
    assertThat(find("#1234567890 #12345678901")).containsExactly(1234567890L);
  }

  @Test
  void ignoresCodeSpansAndCodeBlocks() {
    assertThat(find("run `git log #1` and ``a `#2` b`` then #3")).containsExactly(3L);
    assertThat(find("```\n#4\n```\n#5\n~~~sh\n#6\n~~~")).containsExactly(5L);
  }

  @Test
  void anUnclosedBacktickIsText() {
    assertThat(find("it`s #8")).containsExactly(8L);
  }

  @Test
  void ignoresQuotedLinesSuchAsAReplysFallback() {
    assertThat(find("> <@alice:example.org> what about #9?\n\nsee #10")).containsExactly(10L);
  }

  @Test
  void usesTheConfiguredPrefixLiterally() {
    ObjectNode content =
        Json.object().put("msgtype", "m.text").put("body", "GH-12 and #13 and GH.14");

    assertThat(Hotlinks.find(content, "GH-")).containsExactly(12L);
    assertThat(Hotlinks.find(content, ".")).isEmpty();
  }

  @Test
  void onlyTextAndEmotesAreRead() {
    assertThat(Hotlinks.find(Json.object().put("msgtype", "m.emote").put("body", "fixes #1"), "#"))
        .containsExactly(1L);
    assertThat(Hotlinks.find(Json.object().put("msgtype", "m.notice").put("body", "#1"), "#"))
        .isEmpty();
    assertThat(Hotlinks.find(Json.object().put("msgtype", "m.text"), "#")).isEmpty();
  }

  @Test
  void anIssueAnswerIsHookshotsLine() {
    ObjectNode content = Hotlinks.message(ISSUE, defaults(), Optional.empty());

    assertThat(content.get("body").asText())
        .isEqualTo(
            "Issue [#1](https://github.com/Codertocat/Hello-World/issues/1): Spelling <error> in the README (open)");
    assertThat(content.get("formatted_body").asText())
        .isEqualTo(
            "Issue <a href=\"https://github.com/Codertocat/"
                + "Hello-World/issues/1\">#1</a>: Spelling &lt;error&gt; in the README (open)");
    assertThat(content.get("uk.half-shot.matrix-hookshot.github.issue").get("id").asLong())
        .isEqualTo(444500041);
    assertThat(content.get("m.mentions")).isEqualTo(json("{}"));
  }

  @Test
  void aPullRequestAnswerSaysSoAndCarriesItsKey() {
    ObjectNode pr = ISSUE.deepCopy().put("state", "closed");
    pr.putObject("pull_request")
        .put("url", "https://api.github.com/repos/Codertocat/Hello-World/pulls/1");

    ObjectNode content = Hotlinks.message(pr, defaults(), Optional.empty());

    assertThat(content.get("body").asText()).startsWith("Pull Request [#1](").endsWith(" (closed)");
    assertThat(content.has("uk.half-shot.matrix-hookshot.github.pull_request")).isTrue();
  }

  @Test
  void theIssueRoomIsLinkedWhenAskedFor() {
    ObjectNode content =
        Hotlinks.message(ISSUE, config("\"showIssueRoomLink\": true"), Optional.of("example.org"));

    assertThat(content.get("body").asText())
        .endsWith(
            " (open) [Issue Room](https://matrix.to/#/#github_codertocat_hello-world_1:example.org)");
  }

  private static List<Long> find(String body) {
    return Hotlinks.find(Json.object().put("msgtype", "m.text").put("body", body), "#");
  }
}
