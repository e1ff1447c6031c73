package grapple.bot.github;

import static grapple.bot.github.GithubFixtures.config;
import static grapple.bot.github.GithubFixtures.defaults;
import static grapple.bot.github.GithubFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.Json;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class HotlinksTest {
  private static final ObjectNode ISSUE =
      json(
          """
      {"id": 444500041, "number": 1, "title": "Spelling <error> in the README", "state": "open",
       "html_url": "https://github.com/Codertocat/Hello-World/issues/1"}""");

  /** A message's text and the issue numbers found in it, in order. */
  static Stream<Arguments> references() {
    return Stream.of(
        arguments("a reference after a word", "see #12", List.of(12L)),
        arguments("a reference first", "#7 is done", List.of(7L)),
        arguments("a reference in parentheses", "(#3)", List.of(3L)),
        arguments("a reference before a comma", "fixed in #42, thanks!", List.of(42L)),
        arguments(
            "no numbers inside words or without the prefix",
            "issue12 a#12 #12b 12 #0 ##5",
            List.of()),
        arguments(
            "at most three, in order, without repeats", "#5 #4 #5 #3 #2 #1", List.of(5L, 4L, 3L)),
        arguments(
            "numbers have at most ten digits", "#1234567890 #12345678901", List.of(1234567890L)),
        arguments("none in code spans", "run `git log #1` and ``a `#2` b`` then #3", List.of(3L)),
        arguments("none in code blocks", "```\n#4\n```\n#5\n~~~sh\n#6\n~~~", List.of(5L)),
        arguments("an unclosed backtick is text", "it`s #8", List.of(8L)),
        arguments(
            "none in quoted lines such as a reply's fallback",
            "> <@alice:example.org> what about #9?\n\nsee #10",
            List.of(10L)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("references")
  void findsTheReferencesStandingAlone(String rule, String body, List<Long> numbers) {
    assertThat(find(body)).containsExactlyElementsOf(numbers);
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
