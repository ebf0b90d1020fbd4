#!/usr/bin/perl
# Prints what the CGI environment holds of the client's headers.
print "Content-Type: text/plain\n\n";
print "HTTP_COOKIE=", ($ENV{HTTP_COOKIE} // '-'), "\n";
print "HTTP_AUTHORIZATION=", ($ENV{HTTP_AUTHORIZATION} // '-'), "\n";
