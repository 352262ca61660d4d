package main

// department is a French département: its code, prefecture (used for city names), the
// prefecture's position and a weight close to its population in tens of thousands, so that
// the generated venues are as dense as the country is (Île-de-France and the big cities).
type department struct {
	code     string
	city     string
	lat, lon float64
	weight   int
}

var departments = []department{
	{"01", "Bourg-en-Bresse", 46.205, 5.226, 65}, {"02", "Laon", 49.564, 3.620, 53},
	{"03", "Moulins", 46.566, 3.333, 33}, {"04", "Digne-les-Bains", 44.092, 6.236, 16},
	{"05", "Gap", 44.559, 6.079, 14}, {"06", "Nice", 43.710, 7.262, 109},
	{"07", "Privas", 44.735, 4.599, 33}, {"08", "Charleville-Mézières", 49.773, 4.720, 27},
	{"09", "Foix", 42.965, 1.607, 15}, {"10", "Troyes", 48.297, 4.074, 31},
	{"11", "Carcassonne", 43.213, 2.349, 37}, {"12", "Rodez", 44.350, 2.575, 28},
	{"13", "Marseille", 43.296, 5.370, 204}, {"14", "Caen", 49.182, -0.370, 70},
	{"15", "Aurillac", 44.926, 2.440, 14}, {"16", "Angoulême", 45.648, 0.156, 35},
	{"17", "La Rochelle", 46.160, -1.151, 65}, {"18", "Bourges", 47.081, 2.398, 30},
	{"19", "Tulle", 45.267, 1.770, 24}, {"21", "Dijon", 47.322, 5.041, 53},
	{"22", "Saint-Brieuc", 48.514, -2.765, 60}, {"23", "Guéret", 46.171, 1.871, 12},
	{"24", "Périgueux", 45.184, 0.721, 41}, {"25", "Besançon", 47.238, 6.024, 54},
	{"26", "Valence", 44.933, 4.892, 52}, {"27", "Évreux", 49.027, 1.151, 60},
	{"28", "Chartres", 48.446, 1.489, 43}, {"29", "Quimper", 47.996, -4.102, 92},
	{"30", "Nîmes", 43.837, 4.360, 75}, {"31", "Toulouse", 43.605, 1.444, 140},
	{"32", "Auch", 43.646, 0.586, 19}, {"33", "Bordeaux", 44.838, -0.579, 163},
	{"34", "Montpellier", 43.611, 3.877, 118}, {"35", "Rennes", 48.117, -1.678, 108},
	{"36", "Châteauroux", 46.811, 1.686, 22}, {"37", "Tours", 47.394, 0.685, 61},
	{"38", "Grenoble", 45.188, 5.724, 127}, {"39", "Lons-le-Saunier", 46.675, 5.555, 26},
	{"40", "Mont-de-Marsan", 43.890, -0.500, 41}, {"41", "Blois", 47.586, 1.335, 33},
	{"42", "Saint-Étienne", 45.440, 4.387, 77}, {"43", "Le Puy-en-Velay", 45.043, 3.885, 23},
	{"44", "Nantes", 47.218, -1.554, 144}, {"45", "Orléans", 47.903, 1.909, 68},
	{"46", "Cahors", 44.448, 1.441, 17}, {"47", "Agen", 44.203, 0.616, 33},
	{"48", "Mende", 44.518, 3.500, 8}, {"49", "Angers", 47.478, -0.563, 82},
	{"50", "Saint-Lô", 49.116, -1.091, 50}, {"51", "Châlons-en-Champagne", 48.957, 4.365, 57},
	{"52", "Chaumont", 48.111, 5.139, 17}, {"53", "Laval", 48.073, -0.770, 31},
	{"54", "Nancy", 48.692, 6.184, 73}, {"55", "Bar-le-Duc", 48.772, 5.160, 18},
	{"56", "Vannes", 47.658, -2.760, 76}, {"57", "Metz", 49.120, 6.176, 105},
	{"58", "Nevers", 46.990, 3.159, 20}, {"59", "Lille", 50.629, 3.057, 261},
	{"60", "Beauvais", 49.430, 2.081, 83}, {"61", "Alençon", 48.432, 0.091, 28},
	{"62", "Arras", 50.291, 2.778, 146}, {"63", "Clermont-Ferrand", 45.778, 3.087, 66},
	{"64", "Pau", 43.295, -0.370, 69}, {"65", "Tarbes", 43.233, 0.078, 23},
	{"66", "Perpignan", 42.699, 2.895, 48}, {"67", "Strasbourg", 48.573, 7.752, 114},
	{"68", "Colmar", 48.079, 7.358, 77}, {"69", "Lyon", 45.764, 4.836, 188},
	{"70", "Vesoul", 47.622, 6.155, 23}, {"71", "Mâcon", 46.307, 4.829, 55},
	{"72", "Le Mans", 48.006, 0.199, 56}, {"73", "Chambéry", 45.564, 5.917, 44},
	{"74", "Annecy", 45.899, 6.129, 83}, {"75", "Paris", 48.857, 2.352, 214},
	{"76", "Rouen", 49.443, 1.099, 125}, {"77", "Melun", 48.540, 2.660, 142},
	{"78", "Versailles", 48.805, 2.120, 145}, {"79", "Niort", 46.323, -0.459, 37},
	{"80", "Amiens", 49.894, 2.296, 57}, {"81", "Albi", 43.929, 2.148, 39},
	{"82", "Montauban", 44.018, 1.355, 26}, {"83", "Toulon", 43.124, 5.928, 108},
	{"84", "Avignon", 43.949, 4.806, 56}, {"85", "La Roche-sur-Yon", 46.670, -1.426, 69},
	{"86", "Poitiers", 46.580, 0.340, 44}, {"87", "Limoges", 45.834, 1.261, 37},
	{"88", "Épinal", 48.172, 6.449, 36}, {"89", "Auxerre", 47.798, 3.567, 33},
	{"90", "Belfort", 47.640, 6.863, 14}, {"91", "Évry-Courcouronnes", 48.629, 2.441, 130},
	{"92", "Nanterre", 48.892, 2.207, 163}, {"93", "Stains", 48.950, 2.383, 166},
	{"94", "Créteil", 48.790, 2.455, 141}, {"95", "Cergy", 49.036, 2.076, 125},
	{"2A", "Ajaccio", 41.919, 8.738, 16}, {"2B", "Bastia", 42.697, 9.450, 18},
	{"971", "Basse-Terre", 16.000, -61.730, 38}, {"972", "Fort-de-France", 14.616, -61.059, 36},
	{"973", "Cayenne", 4.937, -52.326, 29}, {"974", "Saint-Denis", -20.882, 55.450, 87},
}

// postalCode returns the k-th postal code of a département (k < 100): what the venues of one
// area share, so that a postal-code filter finds several venues.
func (d department) postalCode(k int) string {
	switch {
	case d.code == "93" && k == 0:
		return "93240" // Stains
	case len(d.code) == 3: // overseas: 971xx
		return d.code + twoDigits(k)
	case d.code == "2A" || d.code == "2B": // Corsica: 20xxx
		return "20" + twoDigits(k) + "0"
	default:
		return d.code + twoDigits(k) + "0"
	}
}

// inseeCode returns a commune code of the département that matches postalCode(k).
func (d department) inseeCode(k int) string {
	if len(d.code) == 3 {
		return d.code + twoDigits(k)
	}
	return d.code + "0" + twoDigits(k)
}

func twoDigits(k int) string { return string([]byte{byte('0' + k/10%10), byte('0' + k%10)}) }
