package grapple.bot.feed;

import com.fasterxml.jackson.databind.JsonNode;
import com.rometools.rome.feed.synd.SyndContent;
import com.rometools.rome.feed.synd.SyndEnclosure;
import com.rometools.rome.feed.synd.SyndEntry;
import com.rometools.rome.feed.synd.SyndFeed;
import com.rometools.rome.feed.synd.SyndFeedImpl;
import com.rometools.rome.feed.synd.SyndLink;
import com.rometools.rome.io.WireFeedInput;
import com.rometools.rome.io.XmlReader;
import grapple.bot.room.Messages;
import grapple.state.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 (through ROME, DOCTYPEs refused) and JSON Feed 1.0/1.1, with
 * real-world quirks smoothed: byte order marks, leading white space, missing titles or links,
 * relative links, odd dates, HTML in titles that say they hold it.
 */
final class FeedParser {
  private FeedParser() {}

  static ParsedFeed parse(byte[] body, @Nullable String contentType, URI feedUrl)
      throws FeedException {
    try {
      return parseAny(body, contentType, feedUrl);
    } catch (StackOverflowError e) {
      // The depth limits keep documents shallow; a parser that still recurses too deep for this
      // thread's stack fails the feed, not the thread (the subscribe check runs on a command
      // thread).
      throw new FeedException("not a feed: nested too deeply to read", e);
    }
  }

  private static ParsedFeed parseAny(byte[] body, @Nullable String contentType, URI feedUrl)
      throws FeedException {
    java.nio.charset.Charset utf16 = utf16WithoutByteOrderMark(body);
    if (utf16 != null) {
      String text = new String(body, utf16).strip();
      if (text.isEmpty()) throw new FeedException("the response is empty");
      if (text.charAt(0) == '{')
        return JsonFeed.parse(text.getBytes(StandardCharsets.UTF_8), feedUrl);
      return xml(text, feedUrl);
    }
    byte[] trimmed = stripLeadingWhitespace(body);
    if (trimmed.length == 0) throw new FeedException("the response is empty");
    String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
    // A document that starts with markup is XML whatever the server calls it: an RSS feed served
    // as application/json was refused as "not a valid JSON feed: Unexpected character ('<')".
    if (trimmed[0] == '{' || (type.contains("json") && trimmed[0] != '<'))
      return JsonFeed.parse(trimmed, feedUrl);
    // A UTF-8 byte order mark says how the document is encoded whatever the server's header says
    // (RFC 7303 ranks it first, as browsers do): read as UTF-8, not as a charset a server names by
    // default.
    if (startsWithUtf8Bom(body)) return xml(utf8OrWindows1252(trimmed), feedUrl);
    return xml(decode(trimmed, contentType), feedUrl);
  }

  /**
   * UTF-16LE or UTF-16BE when the document starts with two characters of it and no byte order mark,
   * whatever the Content-Type and the XML declaration say: XML in a charset that extends ASCII has
   * no NUL bytes, and which half of each pair is NUL says the byte order. Read in another charset
   * (a server's default "utf-8"), or with its leading white space stripped a byte at a time, every
   * character was split in two and the feed refused as "Content is not allowed in prolog".
   */
  private static java.nio.charset.@Nullable Charset utf16WithoutByteOrderMark(byte[] body) {
    if (body.length < 4) return null;
    if (body[0] != 0 && body[1] == 0 && body[2] != 0 && body[3] == 0)
      return StandardCharsets.UTF_16LE;
    if (body[0] == 0 && body[1] != 0 && body[2] == 0 && body[3] != 0)
      return StandardCharsets.UTF_16BE;
    return null;
  }

  /** Each byte as windows-1252 reads it (its five unassigned bytes as U+FFFD). */
  private static final String WINDOWS_1252;

  static {
    byte[] all = new byte[256];
    for (int i = 0; i < all.length; i++) all[i] = (byte) i;
    WINDOWS_1252 = new String(all, java.nio.charset.Charset.forName("windows-1252"));
  }

  /**
   * {@code bytes} as UTF-8, each byte that is not part of valid UTF-8 read as windows-1252: a feed
   * in ISO-8859-1 or windows-1252 that says it is UTF-8 (or says nothing, so XML's UTF-8 applies),
   * or a UTF-8 feed with a stray Latin-1 byte pasted in, reads as written. Such bytes were U+FFFD,
   * and "Caf\uFFFD" was posted. Valid UTF-8 reads exactly as UTF-8.
   */
  static String utf8OrWindows1252(byte[] bytes) {
    java.nio.charset.CharsetDecoder utf8 =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
            .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
    java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
    // Neither charset makes more than one char of a byte.
    java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length);
    while (true) {
      java.nio.charset.CoderResult result = utf8.decode(in, out, true);
      if (result.isUnderflow()) break;
      if (!result.isError())
        throw new IllegalStateException("UTF-8 decoding overflowed: " + result);
      for (int i = 0; i < result.length(); i++) out.put(WINDOWS_1252.charAt(in.get() & 0xff));
    }
    utf8.flush(out);
    return out.flip().toString();
  }

  /** True when {@code bytes} are valid UTF-8 and hold a character beyond ASCII. */
  private static boolean utf8BeyondAscii(byte[] bytes) {
    boolean beyondAscii = false;
    for (byte b : bytes) beyondAscii |= b < 0;
    if (!beyondAscii) return false;
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes));
      return true;
    } catch (java.nio.charset.CharacterCodingException e) {
      return false;
    }
  }

  /**
   * The document decoded as {@code encoding} (the charset ROME chose) says it is, corrected where
   * the bytes show it wrong: bytes that are not UTF-8 in a document read as UTF-8 (or US-ASCII) are
   * windows-1252 ({@link #utf8OrWindows1252}); valid UTF-8 beyond ASCII in one read as ISO-8859-1,
   * windows-1252 or US-ASCII is UTF-8 (a declaration copied from an old template: "CafÃ©" was
   * posted).
   */
  private static String corrected(byte[] body, String decoded, @Nullable String encoding) {
    String name;
    try {
      name = encoding == null ? "" : java.nio.charset.Charset.forName(encoding).name();
    } catch (IllegalArgumentException e) {
      return decoded;
    }
    boolean utf8 = name.equals("UTF-8");
    boolean latin =
        name.equals("ISO-8859-1") || name.equals("windows-1252") || name.equals("US-ASCII");
    if (!utf8 && !latin) return decoded;
    if (utf8BeyondAscii(body)) return new String(body, StandardCharsets.UTF_8);
    return utf8 || name.equals("US-ASCII") ? utf8OrWindows1252(body) : decoded;
  }

  /**
   * Deeper nesting than any real feed has; building such a tree is slow (quadratic) or overflows
   * the stack.
   */
  static final int MAX_XML_DEPTH = 200;

  private static ParsedFeed xml(String text, URI feedUrl) throws FeedException {
    if (XmlDepth.exceeds(text, MAX_XML_DEPTH)) {
      throw new FeedException(
          "not a feed: XML nested more than " + MAX_XML_DEPTH + " elements deep");
    }
    SyndFeed feed = build(withRssVersion(text));
    com.rometools.rome.feed.atom.Feed atomFeed =
        feed.originalWireFeed() instanceof com.rometools.rome.feed.atom.Feed atom ? atom : null;
    boolean isAtom = atomFeed != null;
    // Atom's xml:base, where given, is the base of what the feed links (RFC 4287 §2).
    URI xmlBase = atomFeed == null ? null : resolve(feedUrl, atomFeed.getXmlBase());
    URI base = web(resolve(xmlBase == null ? feedUrl : xmlBase, siteLink(feed)));
    List<FeedItem> items = new ArrayList<>();
    for (SyndEntry e : feed.getEntries()) {
      URI entryBase = xmlBase;
      if (e.getWireEntry() instanceof com.rometools.rome.feed.atom.Entry atom
          && atom.getXmlBase() != null) {
        entryBase = resolve(xmlBase == null ? feedUrl : xmlBase, atom.getXmlBase());
      }
      if (entryBase == null) entryBase = base == null ? feedUrl : base;
      items.add(item(e, entryBase, isAtom));
    }
    return new ParsedFeed(
        title(feed.getTitleEx(), feed.getTitle(), isAtom),
        base == null ? null : base.toString(),
        items);
  }

  /**
   * {@code uri} if the bot may link it (its one link policy: http, https, mailto); a feed's {@code
   * javascript:} or {@code data:} link, or one still relative, is no link at all.
   */
  static @Nullable URI web(@Nullable URI uri) {
    if (uri == null || uri.getScheme() == null) return null;
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("mailto")) return uri;
    return (scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null ? uri : null;
  }

  /**
   * The document as the characters the parser reads, decoded as ROME decodes (byte order mark, XML
   * declaration, Content-Type charset), so that the depth scan sees what the parser will see.
   */
  private static String decode(byte[] body, @Nullable String contentType) throws FeedException {
    InputStream in = new ByteArrayInputStream(body);
    // A Content-Type counts only when it names a charset: RFC 7303 drops RFC 3023's US-ASCII
    // default for text/xml (which ROME still applies), and feeds served as text/xml or text/html
    // with no charset are UTF-8 or say otherwise in their XML declaration.
    try (XmlReader reader =
        namesCharset(contentType)
            ? new XmlReader(in, contentType, true)
            : new XmlReader(in, true)) {
      StringWriter out = new StringWriter(body.length);
      reader.transferTo(out);
      return corrected(body, out.toString(), reader.getEncoding());
    } catch (IOException e) {
      throw new FeedException("not a valid feed: " + readable(e), e);
    }
  }

  /**
   * True when the Content-Type names a charset Java can decode. One it cannot ({@code utf8mb4}, a
   * MySQL name some PHP sites send) counts as none: the XML declaration, else UTF-8, decides; the
   * feed failed on every poll with "not a valid feed: UTF8MB4".
   */
  private static boolean namesCharset(@Nullable String contentType) {
    if (contentType == null) return false;
    String[] parts = contentType.split(";");
    for (int i = 1; i < parts.length; i++) {
      String part = parts[i].strip();
      if (!part.toLowerCase(Locale.ROOT).startsWith("charset=")) continue;
      String name = part.substring("charset=".length()).strip().replaceAll("^[\"']|[\"']$", "");
      try {
        return java.nio.charset.Charset.isSupported(name);
      } catch (IllegalArgumentException e) {
        return false; // An illegal charset name.
      }
    }
    return false;
  }

  private static SyndFeed build(String text) throws FeedException {
    try {
      DatedInput input = new DatedInput();
      input.setAllowDoctypes(false);
      input.setXmlHealerOn(true);
      return new SyndFeedImpl(input.build(new StringReader(text)), true);
    } catch (IllegalArgumentException e) {
      throw new FeedException("not a feed: " + firstLine(e.getMessage()), e);
    } catch (com.rometools.rome.io.FeedException e) {
      throw new FeedException("not a valid feed: " + readable(e), e);
    }
  }

  /**
   * ROME's reading of the documents, with their dates read first as JSON Feed dates are ({@link
   * #instant(String)}). ROME reads dates with SimpleDateFormat masks: a fraction of a second of
   * more than three digits is taken as that many milliseconds (Go's and Python's {@code
   * 10:15:30.123456789Z} put an item 34 hours later), and a date without a zone, with a space for
   * the {@code T} or with an offset without a colon is no date at all (the item lost its $DATE, its
   * pubdate and its place in the order new items post in). Each date element this parser reads is
   * written back, before ROME converts the document, in the one form ROME reads exactly; the rest
   * (RFC 822 with a named zone, two-digit years, ...) ROME reads as before.
   */
  private static final class DatedInput extends WireFeedInput {
    /** The date elements of RSS 0.9x–2.0, Dublin Core and Atom 0.3 and 1.0, by local name. */
    private static final java.util.Set<String> DATES =
        java.util.Set.of(
            "pubDate",
            "lastBuildDate",
            "date",
            "published",
            "updated",
            "issued",
            "modified",
            "created");

    /** Milliseconds, as ROME's W3C masks read them; sub-millisecond digits are dropped. */
    private static final DateTimeFormatter EXACT =
        DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    DatedInput() {
      super(false, Locale.US);
    }

    @Override
    public com.rometools.rome.feed.WireFeed build(org.jdom2.Document document)
        throws com.rometools.rome.io.FeedException {
      List<org.jdom2.Element> dates = new ArrayList<>();
      for (org.jdom2.Element e : document.getDescendants(org.jdom2.filter.Filters.element())) {
        if (DATES.contains(e.getName()) && e.getChildren().isEmpty()) dates.add(e);
      }
      for (org.jdom2.Element e : dates) {
        Instant read = instant(e.getTextNormalize());
        if (read != null && fourDigitYear(read)) e.setText(EXACT.format(read));
      }
      return super.build(document);
    }

    /** A date {@link #EXACT} writes as ROME reads it: its year has four digits. */
    private static boolean fourDigitYear(Instant instant) {
      int year = instant.atOffset(ZoneOffset.UTC).getYear();
      return year >= 1 && year <= 9999;
    }
  }

  /**
   * Some generators write {@code <rss version="">}, which ROME refuses; such feeds are RSS 2.0 in
   * practice.
   */
  private static String withRssVersion(String text) {
    int head = Math.min(text.length(), 4096);
    String start = text.substring(0, head);
    String fixed = start.replaceFirst("(<rss\\b[^>]*?\\bversion=)([\"'])\\2", "$1$22.0$2");
    return fixed.equals(start) ? text : fixed + text.substring(head);
  }

  /**
   * The site's link: Atom's rel="alternate" (not rel="self", the feed itself), else the feed's
   * link.
   */
  private static @Nullable String siteLink(SyndFeed feed) {
    for (SyndLink link : feed.getLinks()) {
      if (link.getRel() == null || link.getRel().equals("alternate")) return link.getHref();
    }
    return feed.getLink();
  }

  private static String readable(Exception e) {
    String message = firstLine(e.getMessage());
    if (message.contains("DOCTYPE"))
      return "DOCTYPE declarations are not allowed (they can read other files)";
    return message;
  }

  private static FeedItem item(SyndEntry e, URI base, boolean isAtom) {
    String link = htmlAlternate(e);
    if (link == null) link = e.getLink();
    if (link == null && !e.getLinks().isEmpty()) link = e.getLinks().get(0).getHref();
    URI url = web(resolve(base, link));
    String title = title(e.getTitleEx(), e.getTitle(), isAtom);
    Instant date = instant(published(e));
    String summary = summary(e);
    String author = blankToNull(e.getAuthor());
    List<String> enclosures = new ArrayList<>();
    for (SyndEnclosure enclosure : e.getEnclosures()) enclosures.add(enclosure.getUrl());
    String id = firstNonBlank(e.getUri(), url == null ? null : url.toString());
    Ids ids = Ids.of(id, e.getTitle(), date, author, summary, enclosures);
    return new FeedItem(
        ids.id(), title, url == null ? null : url.toString(), author, date, summary, ids.former());
  }

  /**
   * The entry's first alternate link to a web page ({@code text/html} or XHTML), as hookshot picks
   * it: an entry may offer its PDF, audio or a translation as alternates before its page, and
   * ROME's link is the first alternate whatever its type.
   */
  private static @Nullable String htmlAlternate(SyndEntry e) {
    for (SyndLink link : e.getLinks()) {
      String rel = link.getRel();
      String type = link.getType();
      if ((rel != null && !rel.equals("alternate")) || type == null || link.getHref() == null)
        continue;
      String mediaType = type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
      if (mediaType.equals("text/html") || mediaType.equals("application/xhtml+xml"))
        return link.getHref();
    }
    return null;
  }

  /**
   * Atom 0.3's {@code <issued>} is the publication date; ROME files {@code <modified>} there
   * instead.
   */
  private static @Nullable Date published(SyndEntry e) {
    if (e.getWireEntry() instanceof com.rometools.rome.feed.atom.Entry atom
        && atom.getIssued() != null) {
      return atom.getIssued();
    }
    return e.getPublishedDate() != null ? e.getPublishedDate() : e.getUpdatedDate();
  }

  /**
   * An item's {@link FeedItem#id} and {@link FeedItem#formerId}: its own id (guid/id, else link)
   * and no former one, else the {@link #contentKey} of all it shows and its {@link #legacyId}.
   */
  private record Ids(String id, @Nullable String former) {
    static Ids of(
        @Nullable String id,
        @Nullable String rawTitle,
        @Nullable Instant date,
        @Nullable String author,
        @Nullable String summary,
        List<String> enclosures) {
      if (id != null) return new Ids(id, null);
      // The title as earlier versions read it (markup dropped), so such an item keeps its ids.
      String formerTitle = text(rawTitle);
      return new Ids(
          contentKey(formerTitle, date, author, summary, enclosures),
          legacyId(formerTitle, date, summary));
    }
  }

  /** The prefix of an id {@link #contentKey} made. */
  static final String CONTENT_KEY = "item:";

  /**
   * The id of an item with no guid/id and no link (legal in RSS 0.92): everything it shows, so two
   * items that differ in any of it are two items, and the same item keeps its id from poll to poll.
   */
  static String contentKey(
      @Nullable String title,
      @Nullable Instant date,
      @Nullable String author,
      @Nullable String summary,
      List<String> enclosures) {
    StringBuilder key = new StringBuilder();
    for (Object part : List.of(String.valueOf(title), String.valueOf(date), String.valueOf(author)))
      key.append(part).append('\0');
    key.append(summary).append('\0');
    for (String enclosure : enclosures) key.append(enclosure).append('\0');
    return CONTENT_KEY + sha256(key.toString());
  }

  /**
   * The id an earlier version gave an item {@link #contentKey} now names: title and date, else a
   * hash of the summary, else one id for all. Items seen under it count as seen, once.
   */
  static String legacyId(FeedItem item) {
    String former = item.formerId();
    return former != null ? former : legacyId(item.title(), item.date(), item.summary());
  }

  /**
   * As {@link #legacyId(FeedItem)}, from the title as that version read it (markup dropped): a
   * title now shown as written (a JSON Feed's, a plain Atom one) would give another id, and the
   * item seen under the old one was posted again.
   */
  private static String legacyId(
      @Nullable String title, @Nullable Instant date, @Nullable String summary) {
    if (title != null || date != null) return title + "|" + date;
    if (summary != null) return "content:" + sha256(summary);
    return "summary:" + Integer.toHexString("null".hashCode());
  }

  private static String sha256(String text) {
    return java.util.HexFormat.of().formatHex(grapple.state.Sha256.of(text), 0, 16);
  }

  private static @Nullable String summary(SyndEntry e) {
    SyndContent description = e.getDescription();
    if (description != null && description.getValue() != null) return text(description.getValue());
    if (!e.getContents().isEmpty()) return text(e.getContents().get(0).getValue());
    return null;
  }

  /**
   * A title as shown, white space folded. An Atom title says what it holds (RFC 4287 §3.1.1): HTML
   * for type {@code html} or {@code xhtml} (Atom 0.3's {@code text/html}), else plain text, so an
   * escaped {@code <post>} in it shows as {@code <post>}. An RSS title says nothing, and feeds put
   * entity-escaped markup in them (an italic species name in a journal's titles, an ampersand
   * escaped twice by a blog engine): read as HTML, markup dropped, as hookshot reads every title.
   */
  private static @Nullable String title(
      @Nullable SyndContent typed, @Nullable String value, boolean isAtom) {
    if (!isAtom) return text(value);
    String type = typed == null ? null : typed.getType();
    if (type != null && type.toLowerCase(Locale.ROOT).contains("html")) return text(value);
    return plain(value);
  }

  private static final java.util.regex.Pattern WHITE_SPACE =
      java.util.regex.Pattern.compile("\\s+");

  /** {@code value} as written, white space folded; null when blank. */
  static @Nullable String plain(@Nullable String value) {
    if (value == null) return null;
    String folded = WHITE_SPACE.matcher(value).replaceAll(" ").strip();
    return folded.isEmpty() ? null : folded;
  }

  /** Plain text of a value that holds HTML (a summary, an HTML title), white space folded. */
  static @Nullable String text(@Nullable String value) {
    if (value == null) return null;
    // Depth-limited as the bot's own HTML (Messages.MAX_HTML_DEPTH): the parser's work grows with
    // the square of the nesting, and a feed's summary of unclosed tags is the feed server's choice.
    String plain =
        org.jsoup.parser.Parser.htmlParser()
            .setMaxDepth(Messages.MAX_HTML_DEPTH)
            .parseInput(value, "")
            .text()
            .strip();
    return plain.isEmpty() ? null : plain;
  }

  /** {@code link} made absolute against {@code base}; null when missing or unusable. */
  static @Nullable URI resolve(@Nullable URI base, @Nullable String link) {
    if (link == null || link.isBlank()) return null;
    try {
      URI uri = new URI(escapeIllegal(link.strip()));
      return base == null ? uri : base.resolve(uri);
    } catch (java.net.URISyntaxException | IllegalArgumentException e) {
      return null; // A link that is not a URI cannot be shown as one; the item still posts.
    }
  }

  private static final String ILLEGAL_IN_URI = " \"<>\\^`{|}";

  /**
   * {@code link} with what browsers take in a link but {@link URI} refuses percent-encoded: spaces,
   * {@code | ^ { } < > " \ `}, brackets outside the host ({@code ?tags[]=a}), a {@code %} that
   * starts no escape, a second {@code #}, control characters. Such a link was dropped: the item
   * posted without it. A link {@link URI} reads as written is left as it is.
   */
  static String escapeIllegal(String link) {
    int scheme = link.indexOf("://");
    int hostStart = scheme < 0 ? -1 : scheme + 3;
    int hostEnd = hostStart;
    while (hostStart >= 0 && hostEnd < link.length() && "/?#".indexOf(link.charAt(hostEnd)) < 0)
      hostEnd++;
    StringBuilder out = new StringBuilder(link.length() + 16);
    boolean fragment = false;
    for (int i = 0; i < link.length(); i++) {
      char c = link.charAt(i);
      boolean inHost = i >= hostStart && i < hostEnd;
      boolean escape =
          c < 0x20
              || c == 0x7f
              || ILLEGAL_IN_URI.indexOf(c) >= 0
              || ((c == '[' || c == ']') && !inHost)
              || (c == '%' && !startsEscape(link, i))
              || (c == '#' && fragment);
      if (c == '#') fragment = true;
      if (escape) {
        out.append('%').append(String.format(Locale.ROOT, "%02X", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static boolean startsEscape(String link, int i) {
    return i + 2 < link.length()
        && Character.digit(link.charAt(i + 1), 16) >= 0
        && Character.digit(link.charAt(i + 2), 16) >= 0;
  }

  static @Nullable Instant instant(@Nullable Date date) {
    return date == null ? null : date.toInstant();
  }

  /** ISO 8601 with an offset written without a colon ({@code +0100}), as RFC 3339 does not. */
  private static final DateTimeFormatter OFFSET_WITHOUT_COLON =
      new java.time.format.DateTimeFormatterBuilder()
          .append(DateTimeFormatter.ISO_LOCAL_DATE_TIME)
          .appendOffset("+HHmm", "Z")
          .toFormatter(Locale.ROOT);

  /** RFC 822's date and time without its zone (and without its day of the week). */
  private static final DateTimeFormatter RFC_822_WITHOUT_ZONE =
      new java.time.format.DateTimeFormatterBuilder()
          .parseCaseInsensitive()
          .appendPattern("d MMM uuuu H:mm[:ss]")
          .toFormatter(Locale.ENGLISH);

  private static final java.util.regex.Pattern DAY_OF_WEEK =
      java.util.regex.Pattern.compile("^[A-Za-z]+,\\s*");

  /**
   * A date as feeds write it: RFC 3339 (its lower-case {@code t} and {@code z} and a space for the
   * {@code T} included) with any fraction of a second, an offset without a colon, without a zone
   * (read as UTC, as an RSS date without one would be by most readers), a bare day, RFC 1123, or
   * RFC 822 without a zone (UTC too). Anything else is no date: the item keeps none rather than
   * failing the feed. JSON Feed dates are read so, and RSS and Atom dates before ROME reads them.
   */
  static @Nullable Instant instant(@Nullable String iso) {
    if (iso == null || iso.isBlank()) return null;
    String text = iso.strip();
    String upper = text.toUpperCase(Locale.ROOT);
    if (upper.length() > 10 && upper.charAt(10) == ' ') {
      upper = upper.substring(0, 10) + 'T' + upper.substring(11);
    }
    try {
      return OffsetDateTime.parse(upper).toInstant();
    } catch (DateTimeParseException e) {
      // Not RFC 3339; tried below as written without a zone.
    }
    try {
      return LocalDateTime.parse(upper).toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      // Not a date-time without a zone.
    }
    try {
      return OffsetDateTime.parse(upper, OFFSET_WITHOUT_COLON).toInstant();
    } catch (DateTimeParseException e) {
      // Not an offset without a colon.
    }
    try {
      return LocalDate.parse(upper).atStartOfDay(ZoneOffset.UTC).toInstant();
    } catch (DateTimeParseException e) {
      // Not a bare day.
    }
    try {
      return ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      // Not RFC 1123 with a zone this reads.
    }
    try {
      String withoutDay = DAY_OF_WEEK.matcher(text).replaceFirst("").replaceAll("\\s+", " ");
      return LocalDateTime.parse(withoutDay, RFC_822_WITHOUT_ZONE).toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  static @Nullable String firstNonBlank(@Nullable String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) return v.strip();
    }
    return null;
  }

  static @Nullable String blankToNull(@Nullable String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }

  private static String firstLine(@Nullable String message) {
    return message == null ? "unreadable" : message.lines().findFirst().orElse("unreadable");
  }

  /**
   * Skips a UTF-8 byte order mark and leading white space, which some servers send before {@code
   * <?xml}.
   */
  private static byte[] stripLeadingWhitespace(byte[] body) {
    int start = startsWithUtf8Bom(body) ? 3 : 0;
    while (start < body.length && Character.isWhitespace(body[start])) start++;
    return java.util.Arrays.copyOfRange(body, start, body.length);
  }

  private static boolean startsWithUtf8Bom(byte[] body) {
    return body.length >= 3
        && (body[0] & 0xff) == 0xEF
        && (body[1] & 0xff) == 0xBB
        && (body[2] & 0xff) == 0xBF;
  }

  /** JSON Feed 1.0 and 1.1 (https://www.jsonfeed.org/version/1.1/). */
  private static final class JsonFeed {
    static ParsedFeed parse(byte[] body, URI feedUrl) throws FeedException {
      JsonNode root;
      try {
        root = Json.MAPPER.readTree(utf8OrWindows1252(body));
      } catch (IOException e) {
        throw new FeedException("not a valid JSON feed: " + firstLine(e.getMessage()), e);
      }
      // http:// too: some WordPress themes write "http://jsonfeed.org/version/1", and other
      // readers take it; such a feed was refused at subscribe.
      String version = root == null ? "" : root.path("version").asText("");
      if (!version.startsWith("https://jsonfeed.org/version/")
          && !version.startsWith("http://jsonfeed.org/version/")) {
        throw new FeedException("not a feed: JSON without a jsonfeed.org version");
      }
      URI base = web(resolve(feedUrl, root.path("home_page_url").asText(null)));
      String feedAuthor = author(root);
      List<FeedItem> items = new ArrayList<>();
      for (JsonNode item : root.path("items"))
        items.add(item(item, base == null ? feedUrl : base, feedAuthor));
      return new ParsedFeed(
          plain(root.path("title").asText(null)), base == null ? null : base.toString(), items);
    }

    private static FeedItem item(JsonNode item, URI base, @Nullable String feedAuthor) {
      // The permalink, else (missing, or no link the bot may show) the page it is about.
      URI url = web(resolve(base, item.path("url").asText(null)));
      if (url == null) url = web(resolve(base, item.path("external_url").asText(null)));
      // JSON Feed titles are plain text (the spec: "title (optional, string) is plain text").
      String title = plain(item.path("title").asText(null));
      Instant date =
          instant(
              firstNonBlank(
                  item.path("date_published").asText(null),
                  item.path("date_modified").asText(null)));
      String summary =
          text(
              firstNonBlank(
                  item.path("summary").asText(null),
                  item.path("content_text").asText(null),
                  item.path("content_html").asText(null)));
      String author = firstNonBlank(author(item), feedAuthor);
      List<String> attachments = new ArrayList<>();
      for (JsonNode attachment : item.path("attachments"))
        attachments.add(attachment.path("url").asText(""));
      String id = firstNonBlank(item.path("id").asText(null), url == null ? null : url.toString());
      Ids ids = Ids.of(id, item.path("title").asText(null), date, author, summary, attachments);
      return new FeedItem(
          ids.id(),
          title,
          url == null ? null : url.toString(),
          author,
          date,
          summary,
          ids.former());
    }

    /** An item's (or the feed's) author: 1.1's {@code authors[0]}, else 1.0's {@code author}. */
    private static @Nullable String author(JsonNode item) {
      JsonNode authors = item.path("authors");
      if (authors.isArray() && !authors.isEmpty())
        return blankToNull(authors.get(0).path("name").asText(null));
      return blankToNull(item.path("author").path("name").asText(null));
    }
  }
}
