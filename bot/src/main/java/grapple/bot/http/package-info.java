@NullMarked
package grapple.bot.http;

import org.jspecify.annotations.NullMarked;
