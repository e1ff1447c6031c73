package grapple.bot.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import grapple.state.BadInput;
import grapple.state.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Locale;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * XML to JSON the way hookshot's XML body parser (xml2js defaults) shaped it: tag names lower-cased,
 * every child element in an array, attributes under {@code $}, text beside children under
 * {@code _}, a text-only element as its trimmed text. DOCTYPEs are refused (no XXE).
 */
final class XmlToJson {
  private XmlToJson() {}

  static JsonNode parse(byte[] body) {
    try {
      Element root = builder().parse(new ByteArrayInputStream(body)).getDocumentElement();
      ObjectNode out = Json.object();
      out.set(name(root), convert(root));
      return out;
    } catch (SAXException e) {
      throw new BadInput("body", "Body is not valid XML: " + e.getMessage());
    } catch (IOException e) {
      throw new BadInput("body", "Body is not valid XML: " + e.getMessage());
    }
  }

  private static DocumentBuilder builder() {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setXIncludeAware(false);
      f.setExpandEntityReferences(false);
      f.setNamespaceAware(false);
      DocumentBuilder b = f.newDocumentBuilder();
      b.setErrorHandler(null);
      return b;
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException("the JDK's XML parser supports these features", e);
    }
  }

  private static JsonNode convert(Element element) {
    NamedNodeMap attributes = element.getAttributes();
    StringBuilder text = new StringBuilder();
    ObjectNode children = Json.object();
    NodeList nodes = element.getChildNodes();
    for (int i = 0; i < nodes.getLength(); i++) {
      Node n = nodes.item(i);
      if (n instanceof Element child) {
        children.withArray(name(child)).add(convert(child));
      } else if (n.getNodeType() == Node.TEXT_NODE || n.getNodeType() == Node.CDATA_SECTION_NODE) {
        text.append(n.getNodeValue());
      }
    }
    String trimmed = text.toString().strip().replaceAll("\\s+", " ");
    if (attributes.getLength() == 0 && children.isEmpty()) return TextNode.valueOf(trimmed);
    ObjectNode out = Json.object();
    if (attributes.getLength() > 0) {
      ObjectNode attrs = out.putObject("$");
      for (int i = 0; i < attributes.getLength(); i++) {
        attrs.put(attributes.item(i).getNodeName(), attributes.item(i).getNodeValue());
      }
    }
    if (!trimmed.isEmpty()) out.put("_", trimmed);
    out.setAll(children);
    return out;
  }

  private static String name(Element e) {
    return e.getTagName().toLowerCase(Locale.ROOT);
  }
}
