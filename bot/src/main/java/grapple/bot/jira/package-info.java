@NullMarked
package grapple.bot.jira;

import org.jspecify.annotations.NullMarked;
