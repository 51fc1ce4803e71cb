//! Company word pools and countries, written for this harness: brand words, the sector/generic
//! words of listed-style companies, legal forms, and the words of ordinary (clean) businesses.

/// Brand words of listed-style companies (and, unlisted, of look-alike clean companies).
pub const BRANDS: &[&str] = &[
    // Persian-flavoured
    "Sepehr", "Pars", "Kaveh", "Arya", "Tadbir", "Sina", "Kish", "Qeshm", "Hormoz", "Mehr", "Simorgh", "Alborz", "Zagros",
    "Karun", "Damavand", "Azar", "Bahar", "Toos", "Shahab", "Setareh", "Rayan", "Aseman", "Parsian", "Navid", "Roshan",
    "Pasargad", "Tavana", "Saba", "Behsaz", "Nikan", "Derakhshan", "Farzin", "Golrang", "Kimia", "Mobin", "Jahan", "Afagh",
    "Sahand", "Sabalan", "Dena", "Arvand", "Hirmand", "Tabesh", "Pishgam", "Artin", "Kavir", "Golestan", "Mehregan",
    "Payvand", "Rahyab", "Sazeh", "Negin", "Tarabar", "Khazar", "Bandar", "Andisheh", "Farda", "Ofogh", "Raad", "Saham",
    // Arabic-flavoured
    "Noor", "Rahma", "Baraka", "Amal", "Nasr", "Fath", "Hilal", "Najm", "Qamar", "Sahara", "Bayan", "Diyar", "Khaleej",
    "Rafidain", "Furat", "Dijla", "Aqsa", "Yaqeen", "Ikhlas", "Rawda", "Yasmeen", "Reem", "Lulu", "Marjan", "Burj", "Safa",
    "Marwa", "Kawthar", "Mustaqbal", "Nahda", "Wahda", "Ittihad", "Tadamon", "Takaful", "Inma", "Numou", "Thuraya",
    "Sadara", "Riyada", "Tamkeen", "Injaz", "Ruwad", "Afaq", "Sanabel", "Bawadi", "Wadi", "Jabal", "Sahel", "Nakheel",
    "Mizan", "Anwar", "Dana", "Fajer", "Ghadeer", "Hayat", "Jawhara", "Karama", "Manara", "Nujoom", "Rimal", "Salam",
    "Tijara", "Zahrat",
    // Russian-flavoured
    "Vostok", "Zapad", "Sever", "Zarya", "Rassvet", "Raduga", "Almaz", "Granit", "Kristall", "Volga", "Neva", "Ural",
    "Sibir", "Baikal", "Amur", "Taiga", "Sokol", "Berkut", "Orel", "Yastreb", "Strela", "Vityaz", "Bogatyr", "Rubin",
    "Izumrud", "Sapfir", "Yantar", "Zoloto", "Olimp", "Kosmos", "Sputnik", "Soyuz", "Energiya", "Impuls", "Kvant", "Spektr",
    "Vektor", "Tekhnoprom", "Stroytrans", "Promresurs", "Avangard", "Bastion", "Druzhba", "Garant", "Istok", "Kaskad",
    "Lider", "Magistral", "Meridian", "Monolit", "Oplot", "Parus", "Perspektiva", "Poisk", "Razvitie", "Rodina", "Start",
    "Titan", "Uspekh", "Vertikal", "Volna", "Yenisey", "Zvezda",
    // Chinese-flavoured
    "Huaxin", "Jinhai", "Hengtong", "Dafeng", "Tianli", "Xinda", "Hongyuan", "Longteng", "Fuhua", "Jinlong", "Changjiang",
    "Huanghe", "Dongfang", "Nanfang", "Beifang", "Xinghai", "Tianma", "Shengda", "Ruifeng", "Yuanda", "Jiahe", "Zhongyuan",
    "Hengli", "Kaida", "Xinyuan", "Haitong", "Guangda", "Huatai", "Jintai", "Fuxing", "Hongda", "Lianhe", "Tianhe",
    "Shunfeng", "Yongxin", "Dingsheng", "Huaxia", "Jinqiao", "Xiangyu", "Hongfu", "Sanhe", "Wantong", "Kunlun", "Taishan",
    "Lushan", "Huashan", "Baotai", "Chenguang", "Dahua", "Fengyuan", "Guotai", "Haixing", "Jiayuan", "Minfeng",
    "Qiangsheng", "Ruida", "Shenghua", "Tongda", "Weixing", "Xingda", "Yida", "Zhongtai",
    // Korean-flavoured
    "Daesong", "Kumgang", "Paektu", "Chollima", "Taedong", "Ryugyong", "Sungri", "Kwangmyong", "Mansu", "Moranbong",
    "Koryo", "Chongchon", "Unha", "Hana", "Samil", "Hanil", "Daewon", "Sinheung", "Haeyang", "Kumsong", "Ponghwa", "Rungra",
    // Turkish-flavoured
    "Anadolu", "Marmara", "Ege", "Karadeniz", "Toros", "Yildiz", "Gunes", "Deniz", "Kartal", "Bosfor", "Kervan", "Ipek",
    "Zafer", "Yesil", "Altin", "Ozgur", "Umut", "Ufuk", "Bereket", "Akdeniz", "Kapadokya", "Erciyes", "Uludag", "Sedef",
    "Lale", "Inci", "Firat", "Dicle", "Kuzey", "Poyraz",
    // Latin, Greek and English-flavoured
    "Orion", "Zenith", "Apex", "Vertex", "Nova", "Stellar", "Polaris", "Aurora", "Horizon", "Atlantic", "Oceanic",
    "Trident", "Neptune", "Poseidon", "Atlas", "Phoenix", "Falcon", "Condor", "Pegasus", "Centaur", "Sirius", "Vega",
    "Altair", "Rigel", "Lyra", "Cygnus", "Andromeda", "Cassiopeia", "Hydra", "Draco", "Argo", "Helios", "Selene", "Kronos",
    "Hermes", "Apollo", "Artemis", "Athena", "Minerva", "Juno", "Vesta", "Ceres", "Jupiter", "Saturn", "Nimbus", "Cirrus",
    "Sterling", "Regal", "Crown", "Summit", "Pinnacle", "Crest", "Keystone", "Cornerstone", "Bedrock", "Cobalt", "Onyx",
    "Obsidian", "Jade", "Coral", "Pearl", "Sapphire", "Emerald", "Topaz", "Opal", "Garnet", "Ivory", "Silverline",
    "Goldstar", "Bluewave", "Seaway", "Oceanway", "Skyway", "Landmark", "Globus", "Orbis", "Terra", "Aqua", "Ventus",
    "Ignis", "Lumen", "Solaris", "Lunaris", "Astra", "Nexus", "Vortex", "Quantum", "Fusion", "Matrix", "Prisma", "Spectra",
    "Optima", "Maxima", "Omega", "Sigma", "Gamma", "Kappa", "Lambda", "Zeta", "Theta", "Iota", "Boreas", "Zephyr", "Triton",
    "Oberon", "Calypso", "Galaxia", "Equator", "Tropic", "Monsoon", "Typhoon", "Cyclone", "Tempest", "Avalon", "Ember",
    "Granada", "Valiant", "Vanguard", "Sentinel", "Paragon", "Zodiac", "Caspian", "Baltica", "Adriatic", "Aegean", "Levant",
    "Orient", "Sirocco", "Khamsin", "Mistral", "Halcyon", "Arcadia", "Elysium", "Olympus", "Castor", "Pollux", "Antares",
    "Deneb", "Capella", "Mira", "Electra", "Maia", "Alcyone", "Rhea", "Tethys", "Hyperion", "Iapetus", "Dione", "Mimas",
    "Enceladus", "Europa", "Ganymede", "Callisto", "Io", "Thebe", "Leda", "Carme", "Ananke", "Sinope", "Pasiphae",
];

/// Sector and generic words of listed-style companies.
pub const GENERIC: &[&str] = &[
    "Trading", "Shipping", "Holding", "Group", "International", "Logistics", "Petroleum", "Marine", "Investment",
    "Industries", "Energy", "Oil", "Gas", "Petrochemical", "Chemical", "Engineering", "Construction", "Development",
    "Resources", "Mining", "Metals", "Steel", "Aviation", "Transport", "Navigation", "Tankers", "Bulk", "Freight",
    "Commodities", "General", "Import Export", "Enterprises", "Ventures", "Capital", "Finance", "Exchange", "Technologies",
    "Electronics", "Machinery", "Equipment", "Supply", "Services", "Security", "Defense", "Manufacturing", "Pharmaceutical",
    "Agro", "Electric", "Power", "Telecom", "Shipbuilding", "Offshore", "Drilling", "Refining", "Cargo", "Lines", "Fleet",
    "Trust", "Establishment", "Global", "Overseas", "Maritime", "Industrial", "Investments", "Tanker", "Airways", "Bank",
    "Exploration", "Gold",
];

/// Legal forms by family: the variants within a family are the same form written differently.
pub const LEGAL_FAMILIES: &[&[&str]] = &[
    &["Ltd", "Ltd.", "Limited"],
    &["LLC", "L.L.C.", "Limited Liability Company"],
    &["Co.", "Company", "Co"],
    &["Co. Ltd", "Co., Ltd.", "Company Limited"],
    &["Inc", "Inc.", "Incorporated"],
    &["Corp", "Corp.", "Corporation"],
    &["JSC", "Joint Stock Company", "AO"],
    &["PJSC", "Public Joint Stock Company", "PAO"],
    &["OOO", "O.O.O."],
    &["GmbH"],
    &["S.A.", "SA", "Sociedad Anonima"],
    &["S.A. de C.V.", "SA de CV"],
    &["FZE", "Free Zone Establishment"],
    &["FZCO", "FZC"],
    &["Sdn Bhd", "Sdn. Bhd."],
    &["Pte Ltd", "Pte. Ltd.", "Private Limited"],
    &["PLC", "Public Limited Company"],
    &["A.S.", "AS", "Anonim Sirketi"],
    &["Ltd. Sti.", "Limited Sirketi"],
    &["LLP", "Limited Liability Partnership"],
    &["B.V.", "BV"],
    &["SARL", "S.A.R.L."],
    &["S.R.L.", "SRL"],
];

/// How often each legal family is drawn for a listed-style company (same order as `LEGAL_FAMILIES`).
pub const LEGAL_WEIGHTS: &[u32] = &[14, 16, 10, 10, 5, 5, 7, 3, 6, 2, 3, 1, 6, 3, 2, 3, 2, 3, 1, 1, 1, 1, 1];

/// Sector words of ordinary businesses (clean queries).
pub const ORDINARY_SECTORS: &[&str] = &[
    "Bakery", "Dental", "Software", "Florist", "Plumbing", "Roofing", "Veterinary", "Accounting", "Bookkeeping", "Catering",
    "Cleaning", "Landscaping", "Optical", "Physiotherapy", "Pediatrics", "Orthodontics", "Salon", "Barbershop", "Boutique",
    "Bookshop", "Cafe", "Bistro", "Pizzeria", "Brewery", "Winery", "Dairy", "Butchery", "Fitness", "Yoga", "Dance School",
    "Music", "Photography", "Printing", "Design", "Architects", "Interiors", "Upholstery", "Tailoring", "Laundry",
    "Daycare", "Tutoring", "Driving School", "Realty", "Law Office", "Carpentry", "Locksmith", "Glazing", "Pottery",
    "Ceramics", "Jewellers", "Toys", "Pet Care", "Grooming", "Plant Nursery", "Garden Centre", "Hardware", "Bicycles",
    "Tyres", "Autocare", "Kitchens", "Flooring", "Tiles", "Paints", "Stationery", "Opticians", "Clinic", "Counselling",
    "Translations", "Marketing", "Studio", "Gallery", "Guesthouse", "Hostel", "Chiropractic", "Dermatology", "Pharmacy",
    "Patisserie", "Delicatessen", "Greengrocer", "Fishmonger", "Confectionery", "Ice Cream", "Coffee Roasters", "Tea Room",
    "Web Design", "App Development", "IT Support", "Payroll", "Tax Advisors", "Notary", "Surveyors", "Electricians",
    "Heating",
];

/// Brand words of ordinary businesses (clean queries), unrelated to the listed-style brands.
pub const ORDINARY_BRANDS: &[&str] = &[
    "Maple", "Oakwood", "Willow", "Cedar", "Birch", "Riverside", "Hillside", "Lakeside", "Meadow", "Sunny", "Bright",
    "Greenway", "Kingsley", "Ashford", "Bramble", "Clover", "Daisy", "Elmtree", "Fern", "Foxglove", "Hazel", "Heather",
    "Ivy", "Juniper", "Lavender", "Lilac", "Magnolia", "Poppy", "Rosewood", "Sage", "Thistle", "Tulip", "Violet", "Wren",
    "Robin", "Sparrow", "Finch", "Lark", "Otter", "Badger", "Beaver", "Bluebell", "Primrose", "Sunflower", "Acorn",
    "Pinecone", "Cornfield", "Orchard", "Village", "Corner", "Market Street", "Station Road", "Millbrook", "Abbey",
    "Northgate", "Southside", "Eastwood", "Westfield", "Greenfield", "Fairview", "Pleasant Valley", "Happy Paws",
    "Little Stars", "Smith", "Johnson", "Miller", "Becker", "Schmidt", "Mueller", "Dupont", "Rossi", "Bianchi", "Jansen",
    "Nielsen", "Novak", "Kowalski", "O'Brien", "Murphy", "Walsh", "Fischer", "Weber", "Moreau", "Lefebvre", "Conti",
    "Ricci", "Svensson", "Lindqvist", "Hansen", "Virtanen", "Horvath", "Dubois", "Bergmann", "Castellano", "Whitmore",
    "Pemberton", "Harrington", "Blackwood", "Copperfield", "Honeycomb", "Bluebird", "Silverbirch", "Kingfisher", "Moonbeam",
    "Sunrise", "Rainbow", "Evergreen", "Harvest", "Homestead", "Cottage", "Townsend", "Brookside", "Hollybush", "Marigold",
    "Buttercup", "Nightingale",
];

/// Legal forms of ordinary businesses (written as such businesses write them).
pub const ORDINARY_LEGAL: &[&str] = &[
    "Ltd", "LLC", "Inc.", "GmbH", "e.K.", "S.L.", "SARL", "Pty Ltd", "B.V.", "Oy", "AB", "s.r.o.", "Sp. z o.o.", "KG",
    "& Co.", "Limited", "Partners",
];

/// Countries (ISO 3166-1 alpha-2) of listed-style companies.
pub const COMPANY_COUNTRIES: &[&str] = &[

    "AE", "IR", "RU", "CN", "HK", "SY", "TR", "KP", "VE", "CY", "MY", "SG", "LB", "IQ", "BY", "GB", "PA", "MT", "LR", "MH", "UA", "KZ",
    "OM", "QA", "IN",
];

/// Countries of ordinary businesses.
pub const ORDINARY_COUNTRIES: &[&str] =
    &["GB", "US", "DE", "FR", "NL", "ES", "IT", "SE", "FI", "PL", "CZ", "IE", "AU", "CA", "AT", "BE", "DK", "NO", "PT", "CH"];
