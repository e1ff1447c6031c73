@NullMarked
package grapple.commands;

import org.jspecify.annotations.NullMarked;
