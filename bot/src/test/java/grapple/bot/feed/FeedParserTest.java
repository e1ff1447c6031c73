package grapple.bot.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import grapple.state.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Samples under src/test/resources/feeds/ come from public repositories; SOURCES.md names each. */
class FeedParserTest {
  private static final int PATHOLOGICAL_BYTES = 5 * 1024 * 1024;

  // One sample of each format and version: RSS 0.91 / 1.0 / 2.0, Atom 0.3 / 1.0, JSON Feed 1.0 /
  // 1.1

  /**
   * A sample, the URL it was fetched from, the channel's title and link, how many items it has, and
   * its first item but for the summary (which the tests under "Summaries" check).
   */
  static Stream<Arguments> samples() {
    return Stream.of(
        arguments(
            "rss091_writetheweb.xml",
            "http://writetheweb.com/rss.xml",
            "WriteTheWeb",
            "http://writetheweb.com",
            6,
            item(
                "http://writetheweb.com/read.php?item=24",
                "Giving the world a pluggable Gnutella",
                "http://writetheweb.com/read.php?item=24",
                null,
                null)),
        arguments(
            "rss10_xmlcom.rdf",
            "http://www.xml.com/xml/news.rss",
            "XML.com",
            "http://xml.com/pub",
            2,
            item(
                "http://xml.com/pub/2000/08/09/xslt/xslt.html",
                "Processing Inclusions with XSLT",
                "http://xml.com/pub/2000/08/09/xslt/xslt.html",
                null,
                null)),
        arguments(
            "rss20_guid.xml",
            "http://www.example.com/rss.xml",
            "GUID test",
            "http://www.example.com/main.html",
            4,
            item(
                "0524a046-df56-11ea-8bc9-47d63411283f",
                "Entry One",
                "http://www.example.com/blog/post/1",
                null,
                Instant.parse("2019-09-06T16:20:00Z"))),
        arguments(
            "atom03_dates.xml",
            "http://example.com/atom.xml",
            "Atom 0.3 date test",
            "http://example.com/",
            2,
            item(
                "http://example.com/both",
                "Has both dates",
                "http://example.com/both",
                null,
                Instant.parse("2026-03-17T17:35:43Z"))),
        arguments(
            "atom10_github_releases.xml",
            "https://github.com/feed-rs/feed-rs/releases.atom",
            "Release notes from feed-rs",
            "https://github.com/feed-rs/feed-rs/releases",
            2,
            item(
                "tag:github.com,2008:Repository/90976281/v0.2.0",
                "0.2.0",
                "https://github.com/feed-rs/feed-rs/releases/tag/v0.2.0",
                "markpritchard",
                Instant.parse("2020-01-19T05:08:59Z"))),
        arguments(
            "jsonfeed10_hypercritical.json",
            "http://hypercritical.co/feeds/main.json",
            "Hypercritical",
            "http://hypercritical.co",
            1,
            item(
                "http://hypercritical.co/2016/04/22/canonical-bagel-flavors",
                "Canonical Bagel Flavors",
                "http://hypercritical.co/2016/04/22/canonical-bagel-flavors",
                "John Siracusa",
                Instant.parse("2016-04-22T17:41:23Z"))),
        arguments(
            "jsonfeed10_jsonfeed_blog.json",
            "https://jsonfeed.org/feed.json",
            "JSON Feed",
            "https://jsonfeed.org/",
            1,
            item(
                "https://jsonfeed.org/2017/05/17/announcing_json_feed",
                "Announcing JSON Feed",
                "https://jsonfeed.org/2017/05/17/announcing_json_feed",
                "Brent Simmons and Manton Reece",
                Instant.parse("2017-05-17T15:02:12Z"))),
        arguments(
            "jsonfeed11_daring_fireball.json",
            "https://daringfireball.net/feeds/json",
            "Daring Fireball",
            "https://daringfireball.net/",
            2,
            item(
                "https://daringfireball.net/linked/2021/02/26/mailtrackerblocker",
                "MailTrackerBlocker for Apple Mail on MacOS",
                "https://daringfireball.net/linked/2021/02/26/mailtrackerblocker",
                "John Gruber",
                Instant.parse("2021-02-27T01:06:30Z"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void readsTheChannelAndItsItems(
      String sample, String feedUrl, String title, String link, int items, FeedItem first)
      throws Exception {
    ParsedFeed feed = parse(sample, feedUrl);

    assertThat(feed.title()).isEqualTo(title);
    assertThat(feed.link()).isEqualTo(link);
    assertThat(feed.items()).hasSize(items);
    assertItem(feed.items().get(0), first);
  }

  // RSS 0.92 / 2.0 ids

  @Test
  void keepsRss092ItemsThatHaveOnlyADescription() throws Exception {
    ParsedFeed feed =
        parse("rss092_grateful_dead.xml", "http://www.scripting.com/blog/gratefulDead.xml");

    assertThat(feed.title()).isEqualTo("Dave Winer: Grateful Dead");
    assertThat(feed.link()).isEqualTo("http://www.scripting.com/blog/categories/gratefulDead.html");
    assertThat(feed.items()).hasSize(4);
    FeedItem first = feed.items().get(0);
    assertThat(first.title()).isNull();
    assertThat(first.url()).isNull();
    assertThat(first.date()).isNull();
    assertThat(first.summary())
        .startsWith("It's been a few days since I added a song")
        .endsWith("A little change, the wind and rain.");
    assertThat(feed.items().get(3).summary())
        .isEqualTo("This is a test of a change I just made. Still diggin..");
  }

  @Test
  void givesRss092DescriptionOnlyItemsDistinctIds() throws Exception {
    ParsedFeed feed =
        parse("rss092_grateful_dead.xml", "http://www.scripting.com/blog/gratefulDead.xml");

    List<String> ids = feed.items().stream().map(FeedItem::id).toList();

    assertThat(ids).doesNotContainNull().doesNotHaveDuplicates();
  }

  @Test
  void usesRss20GuidAsIdEvenWhenItemsShareALink() throws Exception {
    ParsedFeed feed = parse("rss20_guid.xml", "http://www.example.com/rss.xml");

    FeedItem first = feed.items().get(0);
    FeedItem second = feed.items().get(1);
    assertThat(first.id()).isEqualTo("0524a046-df56-11ea-8bc9-47d63411283f");
    assertThat(second.url()).isEqualTo(first.url());
    assertThat(second.id()).isEqualTo("0524a35c-df56-11ea-8bca-43f820f3bd93");
  }

  @Test
  void usesLinkAsIdWhenThereIsNoGuid() throws Exception {
    ParsedFeed feed = parse("rss091_writetheweb.xml", "http://writetheweb.com/rss.xml");

    List<String> ids = feed.items().stream().map(FeedItem::id).toList();

    assertThat(ids)
        .doesNotHaveDuplicates()
        .allSatisfy(id -> assertThat(id).startsWith("http://writetheweb.com/read.php?item="));
  }

  /**
   * Without a guid or link, an item is known by all it shows: items that share a title, or have
   * only an enclosure, are told apart, and each keeps its id from one fetch to the next.
   */
  @Test
  void itemsWithoutGuidOrLinkGetDistinctIdsThatStayTheSame() throws Exception {
    String body =
        """
        <rss version="2.0"><channel><title>t</title>
        <item><title>Status</title><description>All good</description></item>
        <item><title>Status</title><description>Outage</description></item>
        <item><enclosure url="https://example.org/2.mp3" type="audio/mpeg" length="1"/></item>
        <item><enclosure url="https://example.org/1.mp3" type="audio/mpeg" length="1"/></item>
        <item><title>Dated</title><pubDate>Sun, 06 Sep 2019 16:20:00 +0000</pubDate></item>
        </channel></rss>""";

    List<String> ids =
        parseText(body, "application/rss+xml").items().stream().map(FeedItem::id).toList();

    assertThat(ids).hasSize(5).doesNotContainNull().doesNotHaveDuplicates();
    assertThat(parseText(body, "application/rss+xml").items().stream().map(FeedItem::id).toList())
        .isEqualTo(ids);
  }

  @Test
  void jsonFeedItemsWithoutIdOrUrlGetDistinctIds() throws Exception {
    List<String> ids =
        jsonFeedItems(
                """
                {"content_text": "x", "attachments": [{"url": "https://example.org/a.mp3"}]},
                {"content_text": "x", "attachments": [{"url": "https://example.org/b.mp3"}]},
                {"title": "Same"}, {"title": "Same", "content_text": "but longer"}""")
            .stream()
            .map(FeedItem::id)
            .toList();

    assertThat(ids).hasSize(4).doesNotContainNull().doesNotHaveDuplicates();
  }

  // Atom dates, links and titles

  @Test
  void datesAtom03EntryByIssuedElseByModified() throws Exception {
    ParsedFeed feed = parse("atom03_dates.xml", "http://example.com/atom.xml");

    assertThat(feed.items())
        .extracting(FeedItem::date)
        .containsExactly(
            Instant.parse("2026-03-17T17:35:43Z"), Instant.parse("2026-05-04T16:56:28Z"));
  }

  @Test
  void usesAtomAlternateLinkAsSiteLink() throws Exception {
    ParsedFeed feed =
        parse("atom10_github_releases.xml", "https://github.com/feed-rs/feed-rs/releases.atom");

    assertThat(feed.link()).isEqualTo("https://github.com/feed-rs/feed-rs/releases");
  }

  @Test
  void turnsHtmlInAtomTitleIntoPlainText() throws Exception {
    ParsedFeed feed = parse("atom10_html_title.xml", "https://example.org/atom.xml");

    assertThat(feed.items()).singleElement().extracting(FeedItem::title).isEqualTo("Example Atom");
  }

  /**
   * An RSS title says nothing of what it holds, and feeds put escaped markup in them: read as HTML,
   * as hookshot reads it (the channel's too), entities decoded and tags dropped.
   */
  @Test
  void turnsHtmlInRssTitleIntoPlainText() throws Exception {
    String body =
        """
        <rss version="2.0"><channel><title>Feed &lt;i&gt;of&lt;/i&gt;   things</title>
        <item><title><![CDATA[<b>Breaking:</b> news &amp; views]]></title><link>https://example.org/1</link></item>
        <item><title>Q&amp;amp;A on &lt;i&gt;E. coli&lt;/i&gt;</title><link>https://example.org/2</link></item>
        </channel></rss>""";

    ParsedFeed feed = parseText(body, "application/rss+xml");

    assertThat(feed.title()).isEqualTo("Feed of things");
    assertThat(feed.items())
        .extracting(FeedItem::title)
        .containsExactly("Breaking: news & views", "Q&A on E. coli");
  }

  /** An Atom title is text unless its type says html or xhtml (RFC 4287 §3.1.1). */
  @Test
  void readsAnAtomTitleAsHtmlOnlyWhereItsTypeSaysSo() throws Exception {
    String body =
        """
        <feed xmlns="http://www.w3.org/2005/Atom"><title type="html">Feed &lt;i&gt;of&lt;/i&gt; things</title>
        <id>urn:t</id><updated>2026-01-01T00:00:00Z</updated>
        <entry><id>urn:1</id><title>Text &lt;post&gt;</title><updated>2026-01-01T00:00:00Z</updated></entry>
        <entry><id>urn:2</id><title type="html">&lt;b&gt;Html&lt;/b&gt; &amp;lt;post&amp;gt;</title>
        <updated>2026-01-01T00:00:00Z</updated></entry>
        <entry><id>urn:3</id><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><b>Xhtml</b> &lt;post&gt;</div></title>
        <updated>2026-01-01T00:00:00Z</updated></entry>
        </feed>""";

    ParsedFeed feed = parseText(body, "application/atom+xml");

    assertThat(feed.title()).isEqualTo("Feed of things");
    assertThat(feed.items())
        .extracting(FeedItem::title)
        .containsExactly("Text <post>", "Html <post>", "Xhtml <post>");
  }

  @Test
  void readsAJsonFeedTitleAsPlainText() throws Exception {
    String body =
        """
        {"version": "https://jsonfeed.org/version/1.1", "title": "Feed <i>of</i> things",
         "items": [{"id": "1", "title": "First with <post> tag"}]}""";

    ParsedFeed feed = parseText(body, "application/feed+json");

    assertThat(feed.title()).isEqualTo("Feed <i>of</i> things");
    assertThat(feed.items().get(0).title()).isEqualTo("First with <post> tag");
  }

  /**
   * An item known by all it shows keeps its id though its title now reads as written (a JSON Feed
   * title): the id hashes the title as earlier versions read it, markup dropped, so the item is not
   * posted again.
   */
  @Test
  void anItemWithoutIdOrLinkKeepsItsIdThoughItsTitleNowReadsAsWritten() throws Exception {
    FeedItem item =
        jsonFeedItems("{\"title\": \"First with <post> tag\", \"content_text\": \"d\"}").get(0);

    assertThat(item.title()).isEqualTo("First with <post> tag");
    assertThat(item.id())
        .isEqualTo(FeedParser.contentKey("First with tag", null, null, "d", List.of()));
  }

  /**
   * The id a still earlier version gave such an item (its title and date), under which it may have
   * been seen, is from the title as that version read it too: from the title now read as written,
   * it was another id, and the item was posted again.
   */
  @Test
  void anItemWithoutIdOrLinkKeepsItsFormerIdThoughItsTitleNowReadsAsWritten() throws Exception {
    FeedItem item =
        jsonFeedItems("{\"title\": \"Tom &amp; <b>Jerry</b>\", \"content_text\": \"d\"}").get(0);

    assertThat(item.title()).isEqualTo("Tom &amp; <b>Jerry</b>");
    assertThat(FeedParser.legacyId(item)).isEqualTo("Tom & Jerry|null");
  }

  // JSON Feed authors

  @Test
  void jsonFeedItemInheritsTopLevelAuthor() throws Exception {
    ParsedFeed feed = parse("jsonfeed10_jsonfeed_blog.json", "https://jsonfeed.org/feed.json");

    assertThat(feed.items().get(0).author()).isEqualTo("Brent Simmons and Manton Reece");
  }

  // Summaries

  /** Samples whose first item's description is plain text: the summary as it stands. */
  static Stream<Arguments> plainDescriptions() {
    return Stream.of(
        arguments(
            "rss091_writetheweb.xml",
            "http://writetheweb.com/rss.xml",
            "WorldOS is a framework on which to build programs that work like"
                + " Freenet or Gnutella -allowing distributed applications using peer-to-peer routing."),
        arguments(
            "rss10_xmlcom.rdf",
            "http://www.xml.com/xml/news.rss",
            "Processing document inclusions with general XML tools can be"
                + " problematic. This article proposes a way of preserving inclusion information through SAX-based"
                + " processing."),
        arguments("rss20_guid.xml", "http://www.example.com/rss.xml", "Blah blah blah."));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("plainDescriptions")
  void aPlainTextDescriptionIsTheSummary(String sample, String feedUrl, String summary)
      throws Exception {
    assertThat(firstSummary(sample, feedUrl)).isEqualTo(summary);
  }

  @Test
  void atomHtmlContentBecomesAPlainTextSummary() throws Exception {
    assertThat(
            firstSummary(
                "atom10_github_releases.xml", "https://github.com/feed-rs/feed-rs/releases.atom"))
        .startsWith("A range of maintenance work, including: migrate to Rust 2018 edition")
        .doesNotContain("<");
  }

  @Test
  void jsonFeedHtmlContentBecomesAPlainTextSummary() throws Exception {
    assertThat(
            firstSummary(
                "jsonfeed10_hypercritical.json", "http://hypercritical.co/feeds/main.json"))
        .startsWith("These are the canonical bagel flavors: Plain Poppy Sesame")
        .endsWith("Also: Bialys");
    assertThat(firstSummary("jsonfeed10_jsonfeed_blog.json", "https://jsonfeed.org/feed.json"))
        .startsWith("We — Manton Reece and Brent Simmons — have noticed");
    assertThat(
            firstSummary(
                "jsonfeed11_daring_fireball.json", "https://daringfireball.net/feeds/json"))
        .startsWith("Open source plugin for Apple Mail on MacOS, by Aaron Lee:")
        .doesNotContain("<p>");
  }

  // Real-world quirks

  @Test
  void parsesFeedStartingWithByteOrderMark() throws Exception {
    byte[] body = bytes("rss20_bom.xml");

    ParsedFeed feed =
        FeedParser.parse(body, "application/rss+xml", URI.create("http://www.example.com/rss.xml"));

    assertThat(body).startsWith(0xEF, 0xBB, 0xBF);
    assertThat(feed.title()).isEqualTo("本当に簡単なシンジケーションの例");
    assertThat(feed.items())
        .singleElement()
        .extracting(FeedItem::id)
        .isEqualTo("7bd204c6-1655-4c27-aeee-53f933c5395f");
  }

  @Test
  void parsesFeedWithWhiteSpaceBeforeXmlDeclaration() throws Exception {
    ParsedFeed feed =
        parse("atom10_leading_whitespace.xml", "https://github.com/feed-rs/feed-rs/releases.atom");

    assertThat(feed.title()).isEqualTo("Release notes from feed-rs");
    assertThat(feed.items()).hasSize(2);
  }

  @Test
  void parsesJsonFeedStartingWithByteOrderMark() throws Exception {
    byte[] json = bytes("jsonfeed11_daring_fireball.json");
    byte[] body = new byte[json.length + 3];
    body[0] = (byte) 0xEF;
    body[1] = (byte) 0xBB;
    body[2] = (byte) 0xBF;
    System.arraycopy(json, 0, body, 3, json.length);

    ParsedFeed feed =
        FeedParser.parse(body, "text/plain", URI.create("https://daringfireball.net/feeds/json"));

    assertThat(feed.title()).isEqualTo("Daring Fireball");
  }

  @Test
  void makesRelativeItemLinksAbsoluteAgainstTheSiteLink() throws Exception {
    ParsedFeed feed =
        parse("rss20_relative_links.xml", "https://feeds.example.net/rusty/index.xml");

    assertThat(feed.link()).isEqualTo("https://rusty.pro/");
    assertThat(feed.items())
        .extracting(FeedItem::url)
        .containsExactly(
            "https://rusty.pro/publishing-new-posts-to-mastodon/",
            "https://rusty.pro/2023/fixing-rss/");
  }

  @Test
  void makesRelativeChannelLinkAbsoluteAgainstTheFeedUrl() throws Exception {
    ParsedFeed feed =
        parse("rss20_relative_channel_link.xml", "http://127.0.0.1:8097/feeds/rss.xml");

    assertThat(feed.link()).isEqualTo("http://127.0.0.1:8097/relative/uri");
    assertThat(feed.items()).isEmpty();
  }

  @Test
  void makesRelativeAtomLinkAbsoluteAgainstTheFeedUrl() throws Exception {
    ParsedFeed feed = parse("atom03_relative_link.xml", "http://127.0.0.1:8097/feeds/atom.xml");

    FeedItem item = feed.items().get(0);

    assertThat(item.url()).isEqualTo("http://127.0.0.1:8097/relative/link");
    assertThat(item.id()).isNotNull();
    assertThat(item.title()).isNull();
  }

  /**
   * RFC 4287 §2: xml:base on the feed, then on the entry, is what relative links resolve against.
   */
  @Test
  void resolvesAtomLinksAgainstXmlBase() throws Exception {
    byte[] body =
        """
        <feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://cdn.example.org/blog/">
          <title>t</title><id>urn:t</id><updated>2026-01-01T00:00:00Z</updated>
          <link rel="alternate" href="home/"/>
          <entry><id>urn:1</id><title>One</title><updated>2026-01-01T00:00:00Z</updated>
            <link rel="alternate" href="2026/one"/></entry>
          <entry xml:base="archive/"><id>urn:2</id><title>Two</title>
            <updated>2026-01-01T00:00:00Z</updated><link rel="alternate" href="two"/></entry>
        </feed>"""
            .getBytes(StandardCharsets.UTF_8);

    ParsedFeed feed =
        FeedParser.parse(body, "application/atom+xml", URI.create("https://feeds.example.net/a"));

    assertThat(feed.link()).isEqualTo("https://cdn.example.org/blog/home/");
    assertThat(feed.items())
        .extracting(FeedItem::url)
        .containsExactly(
            "https://cdn.example.org/blog/2026/one", "https://cdn.example.org/blog/archive/two");
  }

  /**
   * Links as browsers take them, with characters java.net.URI refuses ({@code |}, {@code []} in a
   * query, a bare {@code %}): the item keeps its link, percent-encoded; it was posted without one.
   */
  @ParameterizedTest
  @MethodSource("linksUriRefuses")
  void keepsItemLinksWithCharactersUriRefuses(String written, String expected) throws Exception {
    byte[] body =
        """
        <rss version="2.0"><channel><title>t</title><link>https://example.org/</link>
          <item><guid isPermaLink="false">1</guid><title>One</title><link>%s</link></item>
        </channel></rss>"""
            .formatted(written)
            .getBytes(StandardCharsets.UTF_8);

    ParsedFeed feed =
        FeedParser.parse(body, "application/rss+xml", URI.create("https://example.org/rss"));

    assertThat(feed.items()).singleElement().extracting(FeedItem::url).isEqualTo(expected);
  }

  static Stream<Arguments> linksUriRefuses() {
    return Stream.of(
        arguments("https://example.org/wiki/A|B", "https://example.org/wiki/A%7CB"),
        arguments(
            "https://example.org/search?tags[]=a&amp;q={x}",
            "https://example.org/search?tags%5B%5D=a&q=%7Bx%7D"),
        arguments("https://example.org/100%/sale", "https://example.org/100%25/sale"),
        arguments("https://example.org/a%20b c", "https://example.org/a%20b%20c"),
        arguments("https://[2001:db8::1]/p^q", "https://[2001:db8::1]/p%5Eq"),
        arguments("/posts/a#b#c", "https://example.org/posts/a#b%23c"));
  }

  /**
   * An Atom entry's link is its first alternate web page (as hookshot's), not the first alternate
   * whatever its type: a podcast entry listing its MP3 or PDF first linked the file.
   */
  @Test
  void choosesTheAtomEntrysHtmlAlternateOverOtherAlternates() throws Exception {
    byte[] body =
        """
        <feed xmlns="http://www.w3.org/2005/Atom">
          <title>t</title><id>urn:t</id><updated>2026-01-01T00:00:00Z</updated>
          <entry><id>urn:1</id><title>One</title><updated>2026-01-01T00:00:00Z</updated>
            <link rel="self" type="text/html" href="/api/1"/>
            <link rel="alternate" type="application/pdf" href="/1.pdf"/>
            <link rel="alternate" type="text/html; charset=utf-8" href="/posts/1"/></entry>
          <entry><id>urn:2</id><title>Two</title><updated>2026-01-01T00:00:00Z</updated>
            <link rel="alternate" type="audio/mpeg" href="/2.mp3"/>
            <link href="/posts/2" type="application/xhtml+xml"/></entry>
          <entry><id>urn:3</id><title>Three</title><updated>2026-01-01T00:00:00Z</updated>
            <link rel="alternate" type="application/pdf" href="/3.pdf"/></entry>
        </feed>"""
            .getBytes(StandardCharsets.UTF_8);

    ParsedFeed feed =
        FeedParser.parse(body, "application/atom+xml", URI.create("https://example.org/a.xml"));

    assertThat(feed.items())
        .extracting(FeedItem::url)
        .containsExactly(
            "https://example.org/posts/1",
            "https://example.org/posts/2",
            "https://example.org/3.pdf");
  }

  /**
   * The bot links http, https and mailto only: a feed's javascript: or data: item link is no link
   * (it went into the message's external_url, which clients offer as a link).
   */
  @ParameterizedTest
  @ValueSource(strings = {"javascript:alert(1)", "data:text/html,<script>x</script>", "ftp://x/y"})
  void anItemLinkTheBotMayNotLinkIsDropped(String link) throws Exception {
    String escaped = link.replace("<", "&lt;").replace(">", "&gt;");
    byte[] rss =
        ("<rss version=\"2.0\"><channel><title>t</title><link>https://example.org/</link>"
                + "<item><title>x</title><link>"
                + escaped
                + "</link></item></channel></rss>")
            .getBytes(StandardCharsets.UTF_8);
    byte[] json =
        Json.MAPPER
            .writeValueAsString(
                Json.object()
                    .put("version", "https://jsonfeed.org/version/1.1")
                    .set(
                        "items",
                        Json.MAPPER
                            .createArrayNode()
                            .add(Json.object().put("id", "1").put("title", "x").put("url", link))))
            .getBytes(StandardCharsets.UTF_8);
    URI feedUrl = URI.create("https://example.org/feed");

    FeedItem fromRss = FeedParser.parse(rss, "application/rss+xml", feedUrl).items().get(0);
    FeedItem fromJson = FeedParser.parse(json, "application/feed+json", feedUrl).items().get(0);

    assertThat(fromRss.url()).isNull();
    assertThat(fromRss.title()).isEqualTo("x");
    assertThat(fromJson.url()).isNull();
  }

  @Test
  void keepsItemsWithOddDatesWithoutADate() throws Exception {
    ParsedFeed feed = parse("rss20_odd_dates.xml", "http://www.example.com/rss.xml");

    assertThat(feed.items()).hasSize(4);
    assertThat(feed.items())
        .extracting(FeedItem::date)
        .containsExactly(null, null, null, Instant.parse("2019-09-06T16:20:00Z"));
    assertThat(feed.items()).extracting(FeedItem::title).doesNotContainNull();
  }

  @Test
  void keepsJsonFeedItemWithOddDateWithoutADate() throws Exception {
    List<FeedItem> items = oneItemJsonFeed("\"date_published\": \"Tuesday, 3 PM\"");

    assertThat(items)
        .singleElement()
        .satisfies(
            item -> {
              assertThat(item.id()).isEqualTo("1");
              assertThat(item.date()).isNull();
            });
  }

  /**
   * A JSON Feed item links its {@code url} (the permalink); when that is missing or no link the bot
   * may show, its {@code external_url}: the item was posted without a link.
   */
  @ParameterizedTest
  @ValueSource(strings = {"\"\"", "\"javascript:alert(1)\"", "\"https://\"", "null"})
  void linksJsonFeedExternalUrlWhenUrlIsUnusable(String url) throws Exception {
    List<FeedItem> items =
        oneItemJsonFeed(
            "\"url\": " + url + ", \"external_url\": \"https://elsewhere.example/story\"");

    assertThat(items)
        .singleElement()
        .extracting(FeedItem::url)
        .isEqualTo("https://elsewhere.example/story");
  }

  /**
   * JSON Feed asks for RFC 3339, but generators write dates without a zone, a bare day, a space for
   * the T or RFC 1123: the item keeps its date ($DATE, pubdate, and the order new items post in).
   */
  @ParameterizedTest
  @FieldSource("JSON_FEED_DATES")
  void readsJsonFeedDatesAsGeneratorsWriteThem(String written, String expected) throws Exception {
    List<FeedItem> items = oneItemJsonFeed("\"date_published\": \"" + written + "\"");

    assertThat(items).singleElement().extracting(FeedItem::date).isEqualTo(Instant.parse(expected));
  }

  static final List<Arguments> JSON_FEED_DATES =
      List.of(
          arguments("2026-12-05T10:15:30+02:00", "2026-12-05T08:15:30Z"),
          arguments("2026-12-05t10:15:30z", "2026-12-05T10:15:30Z"),
          arguments("2026-12-05 10:15:30Z", "2026-12-05T10:15:30Z"),
          arguments("2026-12-05T10:15:30", "2026-12-05T10:15:30Z"),
          arguments("2026-12-05T10:15:30.250", "2026-12-05T10:15:30.250Z"),
          arguments("2026-12-05 10:15", "2026-12-05T10:15:00Z"),
          arguments("2026-12-05", "2026-12-05T00:00:00Z"),
          arguments("Sat, 5 Dec 2026 10:15:30 GMT", "2026-12-05T10:15:30Z"),
          arguments("2026-12-05T10:15:30+0100", "2026-12-05T09:15:30Z"),
          arguments("2026-12-05T10:15:30.123456789Z", "2026-12-05T10:15:30.123456789Z"),
          arguments("Sat, 05 Dec 2026 10:15:30", "2026-12-05T10:15:30Z"));

  /**
   * ROME read RSS and Atom dates with SimpleDateFormat masks: a fraction of more than three digits
   * as that many milliseconds (Go's RFC3339Nano put the item 34 hours late), and a date without a
   * zone, with a space for the T or an offset without a colon as no date ($DATE empty, no pubdate,
   * new items no longer posted in date order). They are read as JSON Feed dates are, without a zone
   * as UTC; what this does not read (a named zone) ROME still does.
   */
  @ParameterizedTest
  @FieldSource("XML_DATES")
  void readsRssAndAtomDatesAsGeneratorsWriteThem(String written, String expected) throws Exception {
    String rss =
        "<rss version=\"2.0\"><channel><title>t</title><item><guid>1</guid><title>x</title>"
            + "<pubDate>"
            + written
            + "</pubDate></item></channel></rss>";
    String atom =
        "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title><entry><id>1</id>"
            + "<title>x</title><updated> "
            + written
            + " </updated></entry></feed>";
    String dublinCore =
        "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel>"
            + "<title>t</title><item><guid>1</guid><title>x</title><dc:date>"
            + written
            + "</dc:date></item></channel></rss>";

    for (String xml : List.of(rss, atom, dublinCore)) {
      ParsedFeed feed =
          FeedParser.parse(
              xml.getBytes(StandardCharsets.UTF_8),
              "application/xml",
              URI.create("https://example.org/feed.xml"));

      assertThat(feed.items())
          .as(xml)
          .singleElement()
          .extracting(FeedItem::date)
          .isEqualTo(Instant.parse(expected));
    }
  }

  static final List<Arguments> XML_DATES =
      List.of(
          arguments("2026-12-05T10:15:30", "2026-12-05T10:15:30Z"),
          arguments("2026-12-05 10:15:30", "2026-12-05T10:15:30Z"),
          arguments("2026-12-05T10:15", "2026-12-05T10:15:00Z"),
          arguments("Sat, 05 Dec 2026 10:15:30", "2026-12-05T10:15:30Z"),
          arguments("05 Dec 2026 10:15", "2026-12-05T10:15:00Z"),
          arguments("2026-12-05T10:15:30.123456Z", "2026-12-05T10:15:30.123Z"),
          arguments("2026-12-05T10:15:30.123456789+02:00", "2026-12-05T08:15:30.123Z"),
          arguments("2026-12-05T10:15:30.5+01:00", "2026-12-05T09:15:30.500Z"),
          arguments("2026-12-05T10:15:30+0100", "2026-12-05T09:15:30Z"),
          arguments("2026-12-05 10:15:30+01:00", "2026-12-05T09:15:30Z"),
          arguments("Sat, 05 Dec 2026 10:15:30 GMT", "2026-12-05T10:15:30Z"),
          arguments("Sat, 05 Dec 2026 10:15:30 EST", "2026-12-05T15:15:30Z"),
          arguments("Mon, 05 Dec 2026 10:15:30 +0000", "2026-12-05T10:15:30Z"));

  @Test
  void decodesIso88591DeclaredInXmlProlog() throws Exception {
    ParsedFeed feed = parse("rss20_iso8859_spiegel.xml", "https://www.omnycontent.com/podcast.rss");

    assertThat(feed.title()).isEqualTo("SPIEGEL Update – Die Nachrichten");
    FeedItem item = feed.items().get(0);
    assertItem(
        item,
        item(
            "c7e3cca2-665e-4bc4-bcac-acc6011b9fa2",
            "07.02. – die Wochenvorschau: Lockdown-Verlängerung, Kriegsverbrecher vor Gericht, Super Bowl, Karneval",
            "https://omny.fm/shows/spiegel-update-die-nachrichten/07-02-die-wochenvorschau-lockdown-verl-ngerung-kri",
            null,
            Instant.parse("2021-02-06T23:01:00Z")));
    assertThat(item.summary())
        .isEqualTo(
            "Die wichtigsten Nachrichten aus der SPIEGEL-Redaktion. See omnystudio.com/listener for privacy information.");
  }

  @Test
  void decodesIso88591NamedOnlyInContentType() throws Exception {
    byte[] body = bytes("rss20_iso8859_charset_in_header_only.xml");

    ParsedFeed feed =
        FeedParser.parse(
            body,
            "application/rss+xml; charset=ISO-8859-1",
            URI.create("https://www.omnycontent.com/podcast.rss"));

    assertThat(feed.items().get(0).title()).contains("Lockdown-Verlängerung");
  }

  /**
   * RFC 7303 (which replaced RFC 3023) drops the US-ASCII default for text/xml: with no charset
   * named, the byte order mark, the XML declaration, else UTF-8 decide. Many feeds are served so.
   */
  @ParameterizedTest
  @ValueSource(strings = {"text/xml", "TEXT/XML", "text/html", "text/xml; format=flowed"})
  void aUtf8FeedServedWithoutACharsetIsReadAsUtf8(String contentType) throws Exception {
    for (String prolog : List.of("<?xml version=\"1.0\"?>", "")) {
      String xml =
          prolog
              + "<rss version=\"2.0\"><channel><title>Café</title>"
              + "<item><guid>1</guid><title>Ünïcode é</title></item></channel></rss>";

      assertReadAsCafe(xml.getBytes(StandardCharsets.UTF_8), contentType);
    }
  }

  /**
   * {@code bytes}, served as {@code contentType}, are read as the feed Café whose item is Ünïcode
   * é.
   */
  private static void assertReadAsCafe(byte[] bytes, String contentType) throws Exception {
    assertReadAsCafe(contentType, bytes, contentType);
  }

  /** As above, {@code what} naming the case. */
  private static void assertReadAsCafe(String what, byte[] bytes, String contentType)
      throws Exception {
    ParsedFeed feed = FeedParser.parse(bytes, contentType, URI.create("https://e.org/"));

    assertThat(feed.title()).as(what).isEqualTo("Café");
    assertThat(feed.items().get(0).title()).isEqualTo("Ünïcode é");
  }

  /**
   * A UTF-8 document that starts with a byte order mark, served with a server's default charset
   * (Apache's AddDefaultCharset ISO-8859-1): the mark decides, as browsers have it. It was read as
   * ISO-8859-1: "CafÃ©".
   */
  @Test
  void aUtf8ByteOrderMarkOutweighsTheCharsetOfTheContentType() throws Exception {
    byte[] xml =
        ("\uFEFF<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Café</title>"
                + "<item><guid>1</guid><title>Ünïcode é</title></item></channel></rss>")
            .getBytes(StandardCharsets.UTF_8);

    assertReadAsCafe(xml, "application/rss+xml; charset=ISO-8859-1");
  }

  /**
   * A charset Java does not know ({@code utf8mb4}, which some PHP sites send; a misspelt one) is
   * not one: the XML declaration, else UTF-8, decides. The feed failed on every poll with "not a
   * valid feed: UTF8MB4".
   */
  @ParameterizedTest
  @ValueSource(strings = {"utf8mb4", "\"utf8mb4\"", "no such charset!"})
  void aCharsetJavaDoesNotKnowIsIgnored(String charset) throws Exception {
    for (String prolog :
        List.of("<?xml version=\"1.0\"?>", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "")) {
      byte[] xml =
          (prolog
                  + "<rss version=\"2.0\"><channel><title>Café</title>"
                  + "<item><guid>1</guid><title>Ünïcode é</title></item></channel></rss>")
              .getBytes(StandardCharsets.UTF_8);

      assertReadAsCafe(xml, "application/rss+xml; charset=" + charset);
    }
  }

  private static final String CAFE_FEED =
      "<rss version=\"2.0\"><channel><title>Café</title>"
          + "<item><guid>1</guid><title>Ünïcode é</title></item></channel></rss>";

  /**
   * UTF-16 without a byte order mark (its XML declaration says {@code encoding="UTF-16"}), with
   * white space before it, served with a charset that disagrees or none: the NUL bytes say UTF-16
   * and which way round (no ASCII-compatible charset has NULs in XML). A UTF-16LE document served
   * as UTF-8 or ISO-8859-1, or with leading white space (stripped a byte at a time, so every
   * character after it was split), failed as "Content is not allowed in prolog".
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "application/rss+xml",
        "application/rss+xml; charset=utf-8",
        "text/xml; charset=ISO-8859-1"
      })
  void utf16WithoutAByteOrderMarkIsReadWhateverTheContentTypeSays(String contentType)
      throws Exception {
    String doc = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>" + CAFE_FEED;
    for (java.nio.charset.Charset charset :
        List.of(StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE)) {
      for (String lead : List.of("", " \r\n ")) {
        assertReadAsCafe(
            String.format("%s, %s", charset, contentType),
            (lead + doc).getBytes(charset),
            contentType);
      }
    }
  }

  /**
   * A feed written in ISO-8859-1 (or windows-1252) that says nothing of it, or is served or
   * declared as UTF-8 (a server's default): bytes that are not UTF-8 are read as windows-1252, not
   * posted as U+FFFD ("Caf\uFFFD"). UTF-8 that is valid is read as UTF-8, in the same document too.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "application/rss+xml",
        "application/rss+xml; charset=utf-8",
        "text/xml; charset=UTF-8"
      })
  void bytesThatAreNotUtf8InADocumentReadAsUtf8AreReadAsWindows1252(String contentType)
      throws Exception {
    for (String prolog : List.of("", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")) {
      byte[] latin1 = (prolog + CAFE_FEED).getBytes(StandardCharsets.ISO_8859_1);

      assertReadAsCafe(latin1, contentType);
    }
    byte[] mixed =
        concat(
            "<rss version=\"2.0\"><channel><title>Caf".getBytes(StandardCharsets.UTF_8),
            new byte[] {(byte) 0xE9, (byte) 0x93},
            "</title><item><guid>1</guid><title>Ünïcode é €</title></item></channel></rss>"
                .getBytes(StandardCharsets.UTF_8));

    ParsedFeed feed = FeedParser.parse(mixed, contentType, URI.create("https://e.org/"));

    assertThat(feed.title()).isEqualTo("Café“");
    assertThat(feed.items().get(0).title()).isEqualTo("Ünïcode é €");
  }

  /**
   * A UTF-8 document whose declaration (or Content-Type) says ISO-8859-1 or windows-1252, as a
   * template copied from an old site does: bytes that are valid UTF-8, with characters beyond
   * ASCII, are UTF-8 (in those charsets such sequences are nonsense: "CafÃ©"), which was posted.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "application/rss+xml",
        "text/xml; charset=ISO-8859-1",
        "application/rss+xml; charset=windows-1252"
      })
  void validUtf8DeclaredAsLatin1IsReadAsUtf8(String contentType) throws Exception {
    for (String prolog :
        List.of(
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>",
            "<?xml version=\"1.0\" encoding=\"windows-1252\"?>")) {
      byte[] utf8 = (prolog + CAFE_FEED).getBytes(StandardCharsets.UTF_8);

      assertReadAsCafe(String.format("%s, %s", prolog, contentType), utf8, contentType);
    }
  }

  /** A JSON Feed written in ISO-8859-1 (JSON must be UTF-8): read as windows-1252, not U+FFFD. */
  @Test
  void aJsonFeedWhoseBytesAreNotUtf8IsReadAsWindows1252() throws Exception {
    assertReadAsCafe(
        ("{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"Café\","
                + "\"items\":[{\"id\":\"1\",\"title\":\"Ünïcode é\"}]}")
            .getBytes(StandardCharsets.ISO_8859_1),
        "application/feed+json");
  }

  private static byte[] concat(byte[]... parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (byte[] part : parts) out.writeBytes(part);
    return out.toByteArray();
  }

  /** A feed server that calls its RSS JSON: the document, which starts with markup, decides. */
  @ParameterizedTest
  @ValueSource(strings = {"application/json", "application/feed+json; charset=utf-8"})
  void anXmlFeedServedAsJsonIsReadAsXml(String contentType) throws Exception {
    byte[] xml =
        ("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Blog</title>"
                + "<item><guid>1</guid><title>Post</title></item></channel></rss>")
            .getBytes(StandardCharsets.UTF_8);

    ParsedFeed feed = FeedParser.parse(xml, contentType, URI.create("https://e.org/"));

    assertThat(feed.title()).isEqualTo("Blog");
    assertThat(feed.items()).extracting(FeedItem::title).containsExactly("Post");
  }

  @Test
  void readsRssWithEmptyVersionAttribute() throws Exception {
    ParsedFeed feed = parse("rss20_iprogrammer.xml", "https://www.i-programmer.info/feed");

    assertThat(feed.title()).isEqualTo("I Programmer - full contents");
    assertThat(feed.items())
        .singleElement()
        .satisfies(
            item -> {
              assertThat(item.title()).isEqualTo("MotionDisco For Extreme LocoManipulation");
              assertThat(item.date()).isEqualTo(Instant.parse("2026-06-14T22:18:31Z"));
            });
  }

  // Refusals

  @Test
  void refusesDoctype() {
    assertRefusedReadably(() -> parse("doctype_external_dtd.xml", "https://example.org/feed"));
  }

  @Test
  void refusesExternalEntityWithoutFetchingIt() throws Exception {
    try (MockWebServer server = new MockWebServer()) {
      server.enqueue(new MockResponse.Builder().body("SECRET-FROM-ENTITY").build());
      server.start();
      String body =
          text("xxe_external_entity.xml").replace("XXE_TARGET", server.url("/secret").toString());

      Throwable thrown =
          catchThrowable(
              () ->
                  FeedParser.parse(
                      body.getBytes(StandardCharsets.UTF_8),
                      "application/rss+xml",
                      URI.create("http://www.example.com/rss.xml")));

      assertThat(thrown).isInstanceOf(FeedException.class);
      assertThat(thrown.getMessage()).doesNotContain("SECRET-FROM-ENTITY");
      assertThat(server.getRequestCount()).isZero();
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "malformed_unclosed_root.xml",
        "malformed_stray_end_tag.xml",
        "rss10_truncated.rdf"
      })
  void refusesMalformedXmlWithReadableReason(String name) {
    assertRefusedReadably(() -> parse(name, "https://example.org/feed"));
  }

  @Test
  void refusesTruncatedJsonFeed() {
    byte[] whole = bytes("jsonfeed11_daring_fireball.json");
    byte[] cut = Arrays.copyOf(whole, whole.length / 2);

    assertRefusedReadably(
        () -> FeedParser.parse(cut, "application/feed+json", URI.create("https://example.org/f")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"text/html; charset=utf-8", ""})
  void refusesHtmlPage(String contentType) {
    assertRefusedReadably(
        () ->
            FeedParser.parse(
                bytes("html_page.html"), contentType, URI.create("https://example.org/")));
  }

  @Test
  void refusesWellFormedXmlThatIsNotAFeed() {
    byte[] body =
        "<?xml version=\"1.0\"?><html><body><p>hello</p></body></html>"
            .getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> FeedParser.parse(body, "text/xml", URI.create("https://example.org/")))
        .isInstanceOf(FeedException.class)
        .hasMessageStartingWith("not a feed");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " \r\n\t ", "\uFEFF"})
  void refusesEmptyBody(String body) {
    assertThatThrownBy(
            () ->
                FeedParser.parse(
                    body.getBytes(StandardCharsets.UTF_8),
                    "application/rss+xml",
                    URI.create("https://example.org/feed")))
        .isInstanceOf(FeedException.class)
        .hasMessage("the response is empty");
  }

  @Test
  void refusesJsonThatIsNotAJsonFeed() {
    assertRefusedReadably(
        () -> parse("not_a_jsonfeed.json", "https://example.org/feeds.json", "application/json"));
  }

  /** Some WordPress themes write the version with http://; such a feed was refused. */
  @Test
  void readsAJsonFeedWhoseVersionUrlIsHttp() throws Exception {
    byte[] body =
        """
        {"version": "http://jsonfeed.org/version/1", "title": "Blog",
         "items": [{"id": "1", "title": "Post", "url": "https://blog.example/1"}]}
        """
            .getBytes(StandardCharsets.UTF_8);

    ParsedFeed feed =
        FeedParser.parse(body, "application/json", URI.create("https://blog.example/feed.json"));

    assertThat(feed.title()).isEqualTo("Blog");
    assertThat(feed.items()).extracting(FeedItem::url).containsExactly("https://blog.example/1");
  }

  @Test
  void refusesJsonObjectWithoutJsonFeedVersion() {
    byte[] body = "{\"title\": \"x\", \"items\": []}".getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(
            () -> FeedParser.parse(body, "application/json", URI.create("https://example.org/f")))
        .isInstanceOf(FeedException.class)
        .hasMessage("not a feed: JSON without a jsonfeed.org version");
  }

  // Pathological input

  /** An Atom entry with XHTML content, up to where the content's markup goes. */
  private static final String XHTML_HEAD =
      "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title><entry><id>1</id>"
          + "<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">";

  private static final String XHTML_TAIL = "</div></content></entry></feed>";

  /** Deep nesting in each format, most of it about 5 MB, and its content type. */
  static Stream<Arguments> deepNesting() {
    return Stream.of(
        arguments(
            Named.of(
                "unclosed RSS tags",
                nested(
                    "<rss version=\"2.0\"><channel><title>t</title><item><description>",
                    "<a>",
                    "",
                    "")),
            "application/rss+xml"),
        arguments(
            Named.of("closed XHTML tags", nested(XHTML_HEAD, "<b>", "</b>", XHTML_TAIL)),
            "application/atom+xml"),
        arguments(
            Named.of(
                "20,000 closed XHTML tags",
                (XHTML_HEAD + "<b>".repeat(20_000) + "</b>".repeat(20_000) + XHTML_TAIL)
                    .getBytes(StandardCharsets.UTF_8)),
            "application/atom+xml"),
        arguments(
            Named.of(
                "JSON arrays",
                nested(
                    "{\"version\":\"https://jsonfeed.org/version/1.1\",\"items\":", "[", "]", "}")),
            "application/feed+json"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deepNesting")
  void deepNestingFailsFastWithAFeedExceptionOrParses(byte[] body, String contentType) {
    assertFailsFastOrParses(body, contentType);
  }

  @Test
  void aStackOverflowWhileParsingIsAFeedExceptionCausedByIt() throws Exception {
    byte[] body =
        (XHTML_HEAD + "<b>".repeat(190) + "</b>".repeat(190) + XHTML_TAIL)
            .getBytes(StandardCharsets.UTF_8);
    URI url = URI.create("https://example.org/feed");
    // Load every class the parse needs on this thread: one first initialised on a starved stack
    // stays broken.
    FeedParser.parse(body, "application/atom+xml", url);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread starved =
        new Thread(
            null,
            () ->
                thrown.set(
                    catchThrowable(() -> FeedParser.parse(body, "application/atom+xml", url))),
            "starved-stack",
            64 * 1024);

    starved.start();
    starved.join();

    assertThat(thrown.get())
        .isInstanceOf(FeedException.class)
        .hasMessage("not a feed: nested too deeply to read")
        .hasCauseInstanceOf(StackOverflowError.class);
  }

  private static void assertFailsFastOrParses(byte[] body, String contentType) {
    Throwable thrown = thrownWithin(Duration.ofSeconds(10), body, contentType);

    if (thrown != null) {
      assertThat(thrown).isInstanceOf(FeedException.class);
      assertReadable(thrown.getMessage());
    }
  }

  /** What parsing {@code body} throws (null if nothing); fails if it takes over {@code limit}. */
  private static @Nullable Throwable thrownWithin(Duration limit, byte[] body, String contentType) {
    return assertTimeoutPreemptively(
        limit,
        () ->
            catchThrowable(
                () -> FeedParser.parse(body, contentType, URI.create("https://example.org/feed"))));
  }

  // The depth pre-scan must see the nesting the XML parser will see.

  private static final String DEPTH_REFUSAL = "not a feed: XML nested more than 200 elements deep";
  private static final String RSS_HEAD =
      "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>"
          + "<item><title>x</title><description>";
  private static final String RSS_TAIL = "</description></item></channel></rss>";

  @ParameterizedTest
  @ValueSource(strings = {"<x a=\"/>\">", "<x a='/>'>"})
  void aSelfClosingLookalikeInAQuotedAttributeDoesNotHideDeepNesting(String tag) {
    byte[] body = (RSS_HEAD + tag.repeat(100_000) + RSS_TAIL).getBytes(StandardCharsets.UTF_8);

    assertRefusedQuicklyAsTooDeep(body, "application/rss+xml");
  }

  @Test
  void deepNestingInAnEncodingNamedOnlyInTheContentTypeIsRefusedBeforeParsing() {
    byte[] body =
        (RSS_HEAD + "<b>".repeat(100_000) + RSS_TAIL)
            .getBytes(java.nio.charset.Charset.forName("IBM037"));

    assertRefusedQuicklyAsTooDeep(body, "application/rss+xml; charset=IBM037");
  }

  @Test
  void aGreaterThanSignInAnAttributeValueDoesNotEndTheTag() throws Exception {
    String items =
        "<item><title>x</title><guid>g</guid><enclosure url=\"https://e.example/?a>b\" length=\"1\" "
            + "type=\"audio/mpeg\"/></item>";
    String body =
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>"
            + items.repeat(300)
            + "</channel></rss>";

    ParsedFeed feed = parseText(body, "application/rss+xml");

    assertThat(feed.items()).hasSize(300);
  }

  @Test
  void aUtf16FeedIsReadLikeAnyOther() throws Exception {
    String doc =
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?><rss version=\"2.0\"><channel><title>t</title>"
            + "<item><title>x</title><guid>g</guid></item>".repeat(300)
            + "</channel></rss>";

    ParsedFeed feed =
        FeedParser.parse(
            doc.getBytes(StandardCharsets.UTF_16),
            "application/rss+xml",
            URI.create("https://example.org/feed"));

    assertThat(feed.items()).hasSize(300);
  }

  @Test
  void markupInsideCommentsCdataProcessingInstructionsAndDoctypesIsNotNesting() {
    String doc =
        "<!DOCTYPE a [<!ENTITY e \"<b><b>\"><!-- <b> --><?p <b>?>]><a><!-- <b><b> --><![CDATA[<b><b>]]>"
            + "<?p 1 > 0 <b><b> ?><c a='/' b=\">\"/><d></d ></a>";

    assertThat(XmlDepth.exceeds(doc, 2)).isFalse();
    assertThat(XmlDepth.exceeds(doc.replace("<d></d >", "<d><e/></d >"), 2)).isTrue();
  }

  /**
   * Every well-formed sample (rss20_iprogrammer.xml has a bare {@code &}, which only ROME's healer
   * reads).
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "atom03_dates.xml",
        "atom03_relative_link.xml",
        "atom10_github_releases.xml",
        "atom10_html_title.xml",
        "atom10_leading_whitespace.xml",
        "rss091_writetheweb.xml",
        "rss092_grateful_dead.xml",
        "rss10_xmlcom.rdf",
        "rss20_bom.xml",
        "rss20_example_japanese.xml",
        "rss20_guid.xml",
        "rss20_iso8859_charset_in_header_only.xml",
        "rss20_iso8859_spiegel.xml",
        "rss20_odd_dates.xml",
        "rss20_relative_channel_link.xml",
        "rss20_relative_links.xml"
      })
  void theDepthScanAgreesWithAnXmlParserOnRealFeeds(String name) throws Exception {
    String xml = new String(bytes(name), StandardCharsets.ISO_8859_1).replaceFirst("^\\W*<", "<");
    int depth = parserDepth(xml);

    assertThat(XmlDepth.exceeds(xml, depth)).isFalse();
    assertThat(XmlDepth.exceeds(xml, depth - 1)).isTrue();
  }

  /** The deepest element nesting in {@code xml}, as the JDK's StAX parser reads it. */
  private static int parserDepth(String xml) throws Exception {
    javax.xml.stream.XMLInputFactory factory = javax.xml.stream.XMLInputFactory.newFactory();
    factory.setProperty(javax.xml.stream.XMLInputFactory.SUPPORT_DTD, false);
    factory.setProperty(javax.xml.stream.XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, false);
    javax.xml.stream.XMLStreamReader reader =
        factory.createXMLStreamReader(new java.io.StringReader(xml));
    int depth = 0;
    int max = 0;
    while (reader.hasNext()) {
      int event = reader.next();
      if (event == javax.xml.stream.XMLStreamConstants.START_ELEMENT) max = Math.max(max, ++depth);
      if (event == javax.xml.stream.XMLStreamConstants.END_ELEMENT) depth--;
    }
    return max;
  }

  private static void assertRefusedQuicklyAsTooDeep(byte[] body, String contentType) {
    Throwable thrown = thrownWithin(Duration.ofSeconds(5), body, contentType);

    assertThat(thrown).isInstanceOf(FeedException.class).hasMessage(DEPTH_REFUSAL);
  }

  /**
   * {@code head}, then {@code open} and {@code close} repeated until the body is about 5 MB, then
   * {@code tail}.
   */
  private static byte[] nested(String head, String open, String close, String tail) {
    int depth =
        (PATHOLOGICAL_BYTES - head.length() - tail.length()) / (open.length() + close.length());
    return (head + open.repeat(depth) + close.repeat(depth) + tail)
        .getBytes(StandardCharsets.UTF_8);
  }

  /** An item as a sample's is expected to read, but for its summary (see {@link #assertItem}). */
  private static FeedItem item(
      String id,
      @Nullable String title,
      @Nullable String url,
      @Nullable String author,
      @Nullable Instant date) {
    return new FeedItem(id, title, url, author, date, null);
  }

  /** Checks all of {@code item} but its summary. */
  private static void assertItem(FeedItem item, FeedItem expected) {
    assertThat(item).usingRecursiveComparison().ignoringFields("summary").isEqualTo(expected);
  }

  /** The summary of the first item of sample {@code name}. */
  private static @Nullable String firstSummary(String name, String feedUrl) throws FeedException {
    return parse(name, feedUrl).items().get(0).summary();
  }

  /** {@code parse} throws a FeedException whose message a room can be shown. */
  private static void assertRefusedReadably(ThrowingCallable parse) {
    assertThatThrownBy(parse)
        .isInstanceOf(FeedException.class)
        .satisfies(e -> assertReadable(e.getMessage()));
  }

  private static void assertReadable(String message) {
    assertThat(message).isNotBlank().doesNotContain("\n").hasSizeLessThan(400).startsWith("not a");
  }

  /**
   * The items of a JSON Feed at https://example.org/feed.json with one item: its id 1, its title x
   * and {@code fields} (JSON members, e.g. {@code "url": null}).
   */
  private static List<FeedItem> oneItemJsonFeed(String fields) throws FeedException {
    return jsonFeedItems("{\"id\": \"1\", \"title\": \"x\", %s}".formatted(fields));
  }

  /**
   * The items of a JSON Feed at https://example.org/feed.json titled t whose items are {@code
   * items} (JSON objects, comma-separated).
   */
  private static List<FeedItem> jsonFeedItems(String items) throws FeedException {
    String body =
        """
        {"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [%s]}
        """
            .formatted(items);
    return FeedParser.parse(
            body.getBytes(StandardCharsets.UTF_8),
            "application/feed+json",
            URI.create("https://example.org/feed.json"))
        .items();
  }

  /** Parses {@code doc}, written in UTF-8, as served as {@code contentType} from example.org. */
  private static ParsedFeed parseText(String doc, String contentType) throws FeedException {
    return FeedParser.parse(
        doc.getBytes(StandardCharsets.UTF_8), contentType, URI.create("https://example.org/feed"));
  }

  private static ParsedFeed parse(String name, String feedUrl) throws FeedException {
    String contentType = name.endsWith(".json") ? "application/feed+json" : "application/xml";
    return parse(name, feedUrl, contentType);
  }

  private static ParsedFeed parse(String name, String feedUrl, String contentType)
      throws FeedException {
    return FeedParser.parse(bytes(name), contentType, URI.create(feedUrl));
  }

  private static String text(String name) {
    return new String(bytes(name), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String name) {
    try (InputStream in = FeedParserTest.class.getResourceAsStream("/feeds/" + name)) {
      if (in == null) throw new IllegalStateException("missing test resource /feeds/" + name);
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
