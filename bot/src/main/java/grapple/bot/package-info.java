@NullMarked
package grapple.bot;

import org.jspecify.annotations.NullMarked;
