package domain

import "strings"

// ZoneForNumber guesses an IANA time zone from an E.164 number's country
// calling code, for the times we must read "in the customer's zone" (quiet
// hours of a campaign, a follow-up's customer_local_time) when nobody told
// us the customer's zone. It matches the longest known prefix. A country
// that spans several zones answers its most populous one (United States:
// New York; Brazil: São Paulo; Russia: Moscow; Australia: Sydney; Canada:
// Toronto; Mexico: Mexico City; Indonesia: Jakarta), so a caller that knows
// better (a zone on the customer's profile) should pass that instead.
// It returns false for a number whose calling code is not in the table.
func ZoneForNumber(e164 string) (string, bool) {
	digits := strings.TrimPrefix(e164, "+")
	for n := 4; n >= 1; n-- {
		if len(digits) < n {
			continue
		}
		if zone, ok := zoneByCallingCode[digits[:n]]; ok {
			return zone, true
		}
	}
	return "", false
}

// zoneByCallingCode: calling code (or NANP area code prefixed with 1, for
// the non-US members of the plan) → the zone most of its numbers live in.
var zoneByCallingCode = map[string]string{
	// North American Numbering Plan: +1 is the US unless the area code
	// belongs to Canada or a Caribbean member.
	"1":    "America/New_York",
	"1204": "America/Winnipeg", "1236": "America/Vancouver", "1250": "America/Vancouver",
	"1306": "America/Regina", "1403": "America/Edmonton", "1416": "America/Toronto",
	"1418": "America/Toronto", "1438": "America/Toronto", "1450": "America/Toronto",
	"1506": "America/Moncton", "1514": "America/Toronto", "1519": "America/Toronto",
	"1581": "America/Toronto", "1587": "America/Edmonton", "1604": "America/Vancouver",
	"1613": "America/Toronto", "1647": "America/Toronto", "1705": "America/Toronto",
	"1709": "America/St_Johns", "1778": "America/Vancouver", "1780": "America/Edmonton",
	"1807": "America/Toronto", "1819": "America/Toronto", "1825": "America/Edmonton",
	"1867": "America/Whitehorse", "1902": "America/Halifax", "1905": "America/Toronto",
	"1213": "America/Los_Angeles", "1310": "America/Los_Angeles", "1415": "America/Los_Angeles",
	"1510": "America/Los_Angeles", "1408": "America/Los_Angeles", "1206": "America/Los_Angeles",
	"1503": "America/Los_Angeles", "1702": "America/Los_Angeles", "1312": "America/Chicago",
	"1214": "America/Chicago", "1713": "America/Chicago", "1512": "America/Chicago",
	"1612": "America/Chicago", "1303": "America/Denver", "1602": "America/Phoenix",
	"1801": "America/Denver", "1808": "Pacific/Honolulu", "1907": "America/Anchorage",
	"1787": "America/Puerto_Rico", "1939": "America/Puerto_Rico", "1876": "America/Jamaica",
	"1809": "America/Santo_Domingo", "1829": "America/Santo_Domingo", "1849": "America/Santo_Domingo",
	"1868": "America/Port_of_Spain", "1242": "America/Nassau", "1246": "America/Barbados",
	// Europe
	"30": "Europe/Athens", "31": "Europe/Amsterdam", "32": "Europe/Brussels", "33": "Europe/Paris",
	"34": "Europe/Madrid", "351": "Europe/Lisbon", "352": "Europe/Luxembourg", "353": "Europe/Dublin",
	"354": "Atlantic/Reykjavik", "355": "Europe/Tirane", "356": "Europe/Malta", "357": "Asia/Nicosia",
	"358": "Europe/Helsinki", "359": "Europe/Sofia", "36": "Europe/Budapest", "370": "Europe/Vilnius",
	"371": "Europe/Riga", "372": "Europe/Tallinn", "373": "Europe/Chisinau", "374": "Asia/Yerevan",
	"375": "Europe/Minsk", "376": "Europe/Andorra", "377": "Europe/Monaco", "380": "Europe/Kyiv",
	"381": "Europe/Belgrade", "382": "Europe/Podgorica", "385": "Europe/Zagreb", "386": "Europe/Ljubljana",
	"387": "Europe/Sarajevo", "389": "Europe/Skopje", "39": "Europe/Rome", "40": "Europe/Bucharest",
	"41": "Europe/Zurich", "420": "Europe/Prague", "421": "Europe/Bratislava", "423": "Europe/Vaduz",
	"43": "Europe/Vienna", "44": "Europe/London", "45": "Europe/Copenhagen", "46": "Europe/Stockholm",
	"47": "Europe/Oslo", "48": "Europe/Warsaw", "49": "Europe/Berlin", "7": "Europe/Moscow",
	"77": "Asia/Almaty", "90": "Europe/Istanbul", "995": "Asia/Tbilisi", "994": "Asia/Baku",
	// Africa
	"20": "Africa/Cairo", "211": "Africa/Juba", "212": "Africa/Casablanca", "213": "Africa/Algiers",
	"216": "Africa/Tunis", "218": "Africa/Tripoli", "220": "Africa/Banjul", "221": "Africa/Dakar",
	"222": "Africa/Nouakchott", "223": "Africa/Bamako", "224": "Africa/Conakry", "225": "Africa/Abidjan",
	"226": "Africa/Ouagadougou", "227": "Africa/Niamey", "228": "Africa/Lome", "229": "Africa/Porto-Novo",
	"230": "Indian/Mauritius", "231": "Africa/Monrovia", "232": "Africa/Freetown", "233": "Africa/Accra",
	"234": "Africa/Lagos", "235": "Africa/Ndjamena", "236": "Africa/Bangui", "237": "Africa/Douala",
	"238": "Atlantic/Cape_Verde", "241": "Africa/Libreville", "242": "Africa/Brazzaville",
	"243": "Africa/Kinshasa", "244": "Africa/Luanda", "248": "Indian/Mahe", "249": "Africa/Khartoum",
	"250": "Africa/Kigali", "251": "Africa/Addis_Ababa", "252": "Africa/Mogadishu", "253": "Africa/Djibouti",
	"254": "Africa/Nairobi", "255": "Africa/Dar_es_Salaam", "256": "Africa/Kampala", "257": "Africa/Bujumbura",
	"258": "Africa/Maputo", "260": "Africa/Lusaka", "261": "Indian/Antananarivo", "262": "Indian/Reunion",
	"263": "Africa/Harare", "264": "Africa/Windhoek", "265": "Africa/Blantyre", "266": "Africa/Maseru",
	"267": "Africa/Gaborone", "268": "Africa/Mbabane", "269": "Indian/Comoro", "27": "Africa/Johannesburg",
	// Americas
	"51": "America/Lima", "52": "America/Mexico_City", "53": "America/Havana", "54": "America/Argentina/Buenos_Aires",
	"55": "America/Sao_Paulo", "56": "America/Santiago", "57": "America/Bogota", "58": "America/Caracas",
	"501": "America/Belize", "502": "America/Guatemala", "503": "America/El_Salvador", "504": "America/Tegucigalpa",
	"505": "America/Managua", "506": "America/Costa_Rica", "507": "America/Panama", "509": "America/Port-au-Prince",
	"590": "America/Guadeloupe", "591": "America/La_Paz", "592": "America/Guyana", "593": "America/Guayaquil",
	"594": "America/Cayenne", "595": "America/Asuncion", "596": "America/Martinique", "597": "America/Paramaribo",
	"598": "America/Montevideo",
	// Asia and Oceania
	"60": "Asia/Kuala_Lumpur", "61": "Australia/Sydney", "62": "Asia/Jakarta", "63": "Asia/Manila",
	"64": "Pacific/Auckland", "65": "Asia/Singapore", "66": "Asia/Bangkok", "81": "Asia/Tokyo",
	"82": "Asia/Seoul", "84": "Asia/Ho_Chi_Minh", "852": "Asia/Hong_Kong", "853": "Asia/Macau",
	"855": "Asia/Phnom_Penh", "856": "Asia/Vientiane", "86": "Asia/Shanghai", "880": "Asia/Dhaka",
	"886": "Asia/Taipei", "91": "Asia/Kolkata", "92": "Asia/Karachi", "93": "Asia/Kabul",
	"94": "Asia/Colombo", "95": "Asia/Yangon", "960": "Indian/Maldives", "961": "Asia/Beirut",
	"962": "Asia/Amman", "963": "Asia/Damascus", "964": "Asia/Baghdad", "965": "Asia/Kuwait",
	"966": "Asia/Riyadh", "967": "Asia/Aden", "968": "Asia/Muscat", "970": "Asia/Gaza",
	"971": "Asia/Dubai", "972": "Asia/Jerusalem", "973": "Asia/Bahrain", "974": "Asia/Qatar",
	"975": "Asia/Thimphu", "976": "Asia/Ulaanbaatar", "977": "Asia/Kathmandu", "98": "Asia/Tehran",
	"992": "Asia/Dushanbe", "993": "Asia/Ashgabat", "996": "Asia/Bishkek", "998": "Asia/Tashkent",
	"679": "Pacific/Fiji", "675": "Pacific/Port_Moresby", "687": "Pacific/Noumea", "689": "Pacific/Tahiti",
}
