// Package wav reads and writes the WAV files voice uses: voicemail
// recordings sent to users, the gateway's voicemail greeting, and the
// greetings users upload. Decode takes 16-bit PCM, mono or stereo, at any
// rate; To8k makes that the 8 kHz mono audio the telephone side carries.
//
// It is plain bytes to samples, with no voice machinery, so that the SMS
// side (the settings command checks uploads) may use it too.
package wav
