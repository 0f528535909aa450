// Package mms keeps the media of multimedia messages for the gateway's
// users and fetches media from elsewhere without being turned against the
// gateway's own network.
//
// A Store keeps files for a while under unguessable ids (a directory, or
// Redis for several instances); Handler serves them at
// {public_url}/media/<id>/<name.ext> so that a hostile sender's file cannot
// act on the gateway's origin; a Rehoster copies a carrier's inbound media
// into the store, so that carriers' URLs, which need the carrier's
// credentials, never reach users; a Fetcher is an HTTP client that refuses
// loopback, private, link-local and other internal addresses at connect
// time, for URLs that users or webhooks supply.
package mms
